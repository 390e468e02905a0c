"""The shipped recording is exactly what its documented command generates, and its README says so truly."""

from __future__ import annotations

import gzip
import hashlib
import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labctl.commands.data import app
from labctl.seedgen import RECORDING_INSTANCE, SHIPPED_COMMAND, SHIPPED_PATH

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / SHIPPED_PATH
README = ROOT / "seed_data" / "README.md"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> dict:
    """Run the README's command (minus `labctl data`), writing next to nothing shipped."""
    args = shlex.split(SHIPPED_COMMAND)
    assert args[:3] == ["labctl", "data", "generate"]
    out = tmp_path_factory.mktemp("seed") / "statuses.jsonl.gz"
    args = [str(out) if arg == SHIPPED_PATH else arg for arg in args[2:]]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_shipped_recording_is_what_the_generator_writes(regenerated):
    shipped = hashlib.sha256(gzip.decompress(SHIPPED.read_bytes())).hexdigest()
    assert shipped == regenerated["sha256"], (
        f"{SHIPPED_PATH} differs from the generator's output: rerun `{SHIPPED_COMMAND}` "
        "and update the figures in seed_data/README.md"
    )


def test_the_shipped_recording_stays_small():
    assert SHIPPED.stat().st_size < 10_000_000


def test_the_readme_gives_the_command_the_instance_and_true_figures(regenerated):
    readme = README.read_text(encoding="utf-8")
    assert SHIPPED_COMMAND in readme
    assert f"`{RECORDING_INSTANCE}`" in readme
    assert "synthetic" in readme.lower() and "labctl record" in readme
    assert regenerated["sha256"] in readme
    for figure in ("lines", "statuses", "boosts", "accounts", "file_bytes", "raw_bytes"):
        assert f"{regenerated[figure]:,}" in readme, figure
