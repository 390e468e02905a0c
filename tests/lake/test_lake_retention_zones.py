"""Retention of every zone: raw partitions by collection day, work runs after a day (handles
in clear), curated and quarantine runs after the raw retention; the newest run of each zone
and any run whose id carries no date are kept. `labctl lake` shows each zone's rule."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from labctl.commands.lake import app
from labctl.lake.catalog import describe_lake
from labctl.lake.fs import LocalFileSystem
from labctl.lake.layout import LakeLayout
from labctl.lake.retention import apply_retention, expired_runs, run_day

LAYOUT = LakeLayout()
TODAY = date(2026, 3, 31)
RUNS = ["run-20260101T000000Z", "run-20260320T100000Z", "run-20260330T090000Z", "run-20260331T080000Z", "backfill-by-hand"]


def test_a_run_is_dated_by_its_id():
    assert run_day("run-20260320T100000Z") == date(2026, 3, 20)
    assert run_day("backfill-by-hand") is None and run_day("run-20261399T000000Z") is None


def test_expired_runs_keep_the_newest_and_the_undated():
    assert expired_runs(RUNS, TODAY, keep_days=1) == RUNS[:3]
    assert expired_runs(RUNS, TODAY, keep_days=30) == RUNS[:1]
    assert expired_runs(RUNS[:1], TODAY, keep_days=1) == []  # alone, the newest stays whatever its age


@pytest.fixture
def lake(tmp_path):
    fs = LocalFileSystem(tmp_path)
    for zone in (LAYOUT.work_zone, LAYOUT.curated_zone, LAYOUT.quarantine_zone):
        for run in RUNS:
            fs.write_bytes(f"{zone}/{run}/data/part-00000", b"x")
    for day in ("2026-02-01", "2026-03-30"):
        fs.write_bytes(f"{LAYOUT.raw_source}/instance=i/timeline=t/dt={day}/hour=00/b.jsonl.gz", b"x")
    return fs


def test_every_zone_has_its_retention(lake):
    result = apply_retention(lake, LAYOUT, keep_days=30, today=TODAY)
    remaining = {zone: sorted(e.name for e in lake.list_dir(f"/lake/{zone}")) for zone in ("work", "curated", "quarantine")}
    assert remaining["work"] == sorted(RUNS[3:])  # a day, and the newest
    assert remaining["curated"] == remaining["quarantine"] == sorted(RUNS[1:])  # 30 days
    assert not lake.exists(f"{LAYOUT.raw_source}/instance=i/timeline=t/dt=2026-02-01")
    assert lake.exists(f"{LAYOUT.raw_source}/instance=i/timeline=t/dt=2026-03-30")
    assert sorted(p for p in result.unreadable) == sorted(f"/lake/{z}/backfill-by-hand" for z in ("work", "curated", "quarantine"))
    assert len(result.deleted) == 1 + 3 + 1 + 1


def test_zones_can_be_pruned_one_owner_at_a_time(lake):
    apply_retention(lake, LAYOUT, keep_days=30, today=TODAY, zones=("raw",))
    assert sorted(e.name for e in lake.list_dir("/lake/work")) == sorted(RUNS)


def test_labctl_lake_shows_each_zones_rule(lake, tmp_path):
    shown = CliRunner().invoke(app, ["--lake", str(tmp_path), "--keep-days", "12", "--json"])
    assert shown.exit_code == 0, shown.output
    rules = {zone["name"]: zone["retention"] for zone in json.loads(shown.output)["zones"]}
    assert rules["raw"] == "12 days (raw_retention_days)"
    assert rules["work"] == "1 day, and the newest run"
    assert rules["curated"] == rules["quarantine"] == "12 days, and the newest run"
    table = CliRunner().invoke(app, ["--lake", str(tmp_path)], env={"COLUMNS": "250"})
    assert "30 days (raw_retention_days)" in table.output  # the default when not told


def test_labctl_lake_prune_prunes_the_runs_too(lake, tmp_path):
    result = CliRunner().invoke(app, ["prune", "--lake", str(tmp_path), "--keep-days", "30", "--today", "2026-03-31"])
    assert result.exit_code == 0, result.output
    assert "deleted /lake/work/run-20260330T090000Z" in result.output
    assert sorted(e.name for e in lake.list_dir("/lake/work")) == sorted(RUNS[3:])
    assert describe_lake(lake, LAYOUT).zones  # still a lake
