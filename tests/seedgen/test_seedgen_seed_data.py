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
from labctl.seedgen import RECORDED_INSTANCES, SHIPPED_COMMAND, SHIPPED_PATH

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / SHIPPED_PATH
README = ROOT / "seed_data" / "README.md"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> dict:
    """Run the README's command (minus `labctl data`), writing next to nothing shipped."""
    args = shlex.split(SHIPPED_COMMAND)
    assert args[:3] == ["labctl", "data", "generate"]
    out = tmp_path_factory.mktemp("seed") / "recordings"
    args = [str(out) if arg == SHIPPED_PATH else arg for arg in args[2:]]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_shipped_recording_is_what_the_generator_writes(regenerated):
    assert sorted(p.name for p in SHIPPED.iterdir()) == sorted(Path(f["path"]).name for f in regenerated["files"])
    for file in regenerated["files"]:
        shipped = hashlib.sha256(gzip.decompress((SHIPPED / Path(file["path"]).name).read_bytes())).hexdigest()
        assert shipped == file["sha256"], (
            f"{SHIPPED_PATH}/{Path(file['path']).name} differs from the generator's output: rerun "
            f"`{SHIPPED_COMMAND}` and update the figures in seed_data/README.md"
        )


def test_the_shipped_recording_stays_small():
    assert sum(p.stat().st_size for p in SHIPPED.iterdir()) < 10_000_000


def test_the_readme_gives_the_command_the_instance_and_true_figures(regenerated):
    readme = README.read_text(encoding="utf-8")
    assert SHIPPED_COMMAND in readme
    for instance in RECORDED_INSTANCES:
        assert f"`{instance}`" in readme
    assert "synthetic" in readme.lower() and "labctl record" in readme
    for file in regenerated["files"]:
        assert file["sha256"] in readme and f"{file['lines']:,}" in readme, file["instance"]
    for figure in ("lines", "statuses", "boosts", "accounts", "file_bytes", "raw_bytes"):
        assert f"{regenerated[figure]:,}" in readme, figure
