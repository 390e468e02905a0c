"""`labctl jobs run-local --json` gives the oracle's document, order included, on whole recordings:
the shipped one, and a generated hostile one whose servers sit under many kinds of domain.

The second set comes from labctl.seedgen (malformed lines, boosts, copies, edits), moved
onto the odd domains of tests/odd_domains.py, so every metric of issue 14 is compared on
more than the regions the shipped recording happens to have.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from odd_domains import REGIONS, rehosted_lines
from typer.testing import CliRunner

import labctl.commands.jobs as jobs_command
from labctl.oracle import compute
from labctl.seedgen import PROFILES, RECORDED_INSTANCES, SHIPPED_FILES, SHIPPED_PATH, write_recording

ROOT = Path(__file__).resolve().parents[2]


def run_local_json(path: Path) -> str:
    result = CliRunner().invoke(jobs_command.app, ["run-local", "--input", str(path), "--json", "--workers", "2"])
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_equal_in_order(answered: str, expected: dict[str, Any]) -> None:
    assert json.loads(answered) == expected
    assert answered.strip() == jobs_command.dumps(expected), "same entries, in another order"


def test_the_shipped_recording():
    # run-local reads the folder; the oracle is given its files one by one
    assert_equal_in_order(run_local_json(ROOT / SHIPPED_PATH), compute([ROOT / name for name in SHIPPED_FILES]))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    # One recorded timeline. A status two servers show is two copies that differ without an edit
    # (its author bare on one, user@host on the other); moved onto an IPv6 host they give two
    # handles (fd00::1 from the url, [fd00::1] from acct). The jobs pick one whatever the order,
    # as docs/metrics.md asks; the oracle keeps the first copy it reads, so the two differ.
    config = PROFILES["hostile"].replace(statuses=2_500, seed=23, recorded=RECORDED_INSTANCES[:1])
    write_recording(config, folder / "hostile.jsonl")
    path = folder / "rehosted.jsonl"
    path.write_bytes(rehosted_lines((folder / "hostile.jsonl").read_bytes()))
    return path


def test_a_generated_hostile_set_under_many_kinds_of_domain(generated):
    expected = compute([generated])
    assert expected["totals"]["malformed"] > 0
    assert set(expected["regions"]) == REGIONS, expected["regions"]
    assert_equal_in_order(run_local_json(generated), expected)
