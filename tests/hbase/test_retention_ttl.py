"""The DAG's retention task: one setting (`raw_retention_days`) prunes the raw zone (and the
curated and quarantine runs) and must be HBase's per-person TTL; when the two differ the task
fails and says how to fix it. Work runs and forgotten uploads go after a day."""

from __future__ import annotations

import os
import time
from datetime import date

import pytest
from fakehbase import FakeAdmin, FakeConnection

from labctl.hbase import schema
from labctl.lake.fs import LocalFileSystem
from labctl.lake.retention import keep_days_setting
from labctl.pipeline import steps


@pytest.fixture
def lab(tmp_path, monkeypatch):
    fs = LocalFileSystem(tmp_path)
    for day in ("2026-01-01", "2026-01-25"):
        fs.write_bytes(f"/lake/raw/mastodon/instance=i/timeline=t/dt={day}/hour=00/b.jsonl.gz", b"x")
    hbase = FakeConnection()
    monkeypatch.setenv("LAB_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setattr(steps.cluster, "lake", lambda user: fs)
    monkeypatch.setattr(steps.cluster, "hbase_connection", lambda: hbase)
    return fs, hbase


def test_the_default_retention_matches_the_default_schema(lab):
    fs, hbase = lab
    schema.ensure_schema(hbase, admin=FakeAdmin())
    result = steps.retention(None, date(2026, 1, 31))
    assert result["keep_days"] == 30 and result["hbase_ttl_seconds"] == 30 * 86400
    assert result["deleted"] == ["/lake/raw/mastodon/instance=i/timeline=t/dt=2026-01-01"]


def test_a_retention_hbase_was_not_given_fails_after_pruning(lab):
    fs, hbase = lab
    schema.ensure_schema(hbase, admin=FakeAdmin())  # 30 days, as deployed before the change
    with pytest.raises(ValueError, match="run `labctl deploy`") as raised:
        steps.retention("5", date(2026, 1, 31))
    assert "rank:p 2592000 s" in str(raised.value) and "instead of 432000 s" in str(raised.value)
    assert not fs.exists("/lake/raw/mastodon/instance=i/timeline=t/dt=2026-01-25")


def test_deploying_with_the_setting_makes_the_task_pass(lab):
    _, hbase = lab
    schema.ensure_schema(hbase, admin=FakeAdmin(), keep_days=keep_days_setting("5"))
    assert steps.retention("5", date(2026, 1, 31))["hbase_ttl_seconds"] == 5 * 86400


@pytest.mark.parametrize("bad", ["0", "-3", "thirty", "1.5"])
def test_a_setting_that_is_not_whole_days_is_refused(bad):
    with pytest.raises(ValueError, match="raw_retention_days"):
        keep_days_setting(bad)


def test_the_task_prunes_every_zone_each_as_its_owner_and_old_uploads(tmp_path, monkeypatch):
    fs = LocalFileSystem(tmp_path)
    runs = ["run-20260101T000000Z", "run-20260130T090000Z", "run-20260131T080000Z"]
    for zone in ("work", "curated", "quarantine"):
        for run in runs:
            fs.write_bytes(f"/lake/{zone}/{run}/data/part-00000", b"x")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "old-statuses.json").write_bytes(b"[]")
    (uploads / "new-statuses.json").write_bytes(b"[]")
    two_days_ago = time.time() - 2 * 86400
    os.utime(uploads / "old-statuses.json", (two_days_ago, two_days_ago))
    users = []
    hbase = FakeConnection()
    schema.ensure_schema(hbase, admin=FakeAdmin())
    monkeypatch.setenv("LAB_UPLOAD_DIR", str(uploads))
    monkeypatch.setattr(steps.cluster, "lake", lambda user: users.append(user) or fs)
    monkeypatch.setattr(steps.cluster, "hbase_connection", lambda: hbase)
    result = steps.retention(None, date(2026, 1, 31))
    assert users == ["collector", "etl"]
    assert sorted(result["deleted"]) == sorted(["/lake/work/run-20260101T000000Z", "/lake/work/run-20260130T090000Z",
                                                "/lake/curated/run-20260101T000000Z", "/lake/quarantine/run-20260101T000000Z"])
    assert result["uploads_deleted"] == 1 and sorted(p.name for p in uploads.iterdir()) == ["new-statuses.json"]
