import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from fakehbase import FakeAdmin, FakeConnection  # noqa: E402

from labctl.governance.pseudonym import Pseudonymiser  # noqa: E402
from labctl.hbase.schema import ensure_schema  # noqa: E402


@pytest.fixture
def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser(b"unit-test-key-0123456789abcdef")


@pytest.fixture
def connection() -> FakeConnection:
    """A fake HBase with the lab's tables created by ensure_schema."""
    fake = FakeConnection()
    ensure_schema(fake, admin=FakeAdmin())
    return fake


@pytest.fixture(scope="session")
def generated_document() -> dict:
    """The oracle's metric document of a small synthetic timeline (independent of the loader),
    its servers moved onto odd domains so that it has several regions."""
    from odd_domains import rehosted_lines

    from labctl import oracle
    from labctl.seedgen import GeneratorConfig, recording_lines

    lines = b"\n".join(recording_lines(GeneratorConfig(statuses=600, seed=11)))
    return oracle.compute([rehosted_lines(lines)])
