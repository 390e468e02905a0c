"""`purge_statuses`: statuses deleted at the source (404 on re-check, delete events) leave the
raw zone with the boosts of them; replies and everything else stay; manifests stay true."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest
from statusfactory import make_timeline, write_jsonl
from lakeview import lake_lines
from scenario import parsed

from labctl.collect.files import ingest_files
from labctl.governance.erasure import ErasureError, purge_statuses, read_audit_log
from labctl.lake.catalog import describe_lake
from labctl.lake.fs import LocalFileSystem, walk_files
from labctl.lake.layout import LakeLayout

LAYOUT = LakeLayout()
STATUSES = make_timeline(180, boost_every=3, seed=23)


@pytest.fixture
def lake(tmp_path):
    fs = LocalFileSystem(tmp_path / "lake")
    source = write_jsonl(STATUSES, tmp_path / "a.jsonl.gz")
    ingest_files([source], fs, LAYOUT, batch_size=29, include_noindex=True, instance="one.example")
    ingest_files([source], fs, LAYOUT, batch_size=50, include_noindex=True, instance="two.example", force=True)
    return fs


def manifests(fs) -> list[dict]:
    return [json.loads(fs.read_bytes(e.path)) for e in walk_files(fs, LAYOUT.raw_source) if "/_manifests/" in e.path]


def boosted_originals() -> list[str]:
    return [s["reblog"]["id"] for s in STATUSES if s.get("reblog")]


def test_deleted_statuses_and_their_boosts_leave_every_instance(lake):
    deleted = set(boosted_originals()[:3]) | {STATUSES[0]["id"]}
    report = purge_statuses(lake, LAYOUT, sorted(deleted), audit_actor="collector", reason="404 on re-check")
    gone = [s for s in STATUSES if s["id"] in deleted or (s.get("reblog") or {}).get("id") in deleted]
    assert Counter(s["id"] for s in parsed(lake_lines(lake))) == Counter(
        2 * [s["id"] for s in STATUSES if s not in gone])
    assert report.counts == {
        "statuses_removed": 2 * sum(s["id"] in deleted for s in STATUSES),
        "boosts_removed": 2 * sum(s["id"] not in deleted for s in gone),
    }
    assert describe_lake(lake, LAYOUT).problems == []


def test_instance_limits_the_purge_to_its_partition(lake):
    victim = STATUSES[5]["id"]
    report = purge_statuses(lake, LAYOUT, [victim], instance="Two.Example")
    touched = [m for m in manifests(lake) if m.get("erasures")]
    assert touched and {m["instance"] for m in touched} == {"two.example"}
    assert Counter(s["id"] for s in parsed(lake_lines(lake)))[victim] == 1
    assert report.subject["instance"] == "Two.Example"


def test_the_audit_keeps_a_digest_of_the_ids_not_the_ids(lake):
    ids = [STATUSES[1]["id"], STATUSES[2]["id"]]
    purge_statuses(lake, LAYOUT, ids, audit_actor="stream", reason="delete events")
    [record] = read_audit_log(lake, LAYOUT)
    assert record["kind"] == "purge" and record["subject"]["statuses"] == 2
    assert record["subject"]["ids_sha256"] == hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()
    assert not any(i in json.dumps(record) for i in ids)


def test_unknown_ids_change_nothing(lake):
    before = sorted(lake_lines(lake))
    report = purge_statuses(lake, LAYOUT, ["1", "2"])
    assert report.batches_rewritten == 0 and sorted(lake_lines(lake)) == before


@pytest.mark.parametrize("ids", [[], ["", None]])
def test_no_ids_is_an_error(lake, ids):
    with pytest.raises(ErasureError, match="no status ids"):
        purge_statuses(lake, LAYOUT, ids)
