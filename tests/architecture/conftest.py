"""benchmarks/architecture.py measures what these tests hold labctl/ to: load it once."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "architecture.py"
# Airflow's API stand-in (tests/stack/airflowstand.py), for the commands that ask it from the host.
_STACK = Path(__file__).resolve().parents[1] / "stack"
if str(_STACK) not in sys.path:
    sys.path.insert(0, str(_STACK))


@pytest.fixture(scope="session")
def shape():
    spec = importlib.util.spec_from_file_location("architecture_shape", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module
