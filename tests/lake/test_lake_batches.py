"""Raw batches are committed atomically, described by their manifests, checkpointed safely,
listed by `describe_lake` and expired by retention."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date, datetime, timezone
from fnmatch import fnmatchcase

import pytest
from fakehdfs import FakeHdfsClient

from labctl.lake.batches import BatchStats, decode_lines, read_manifest, write_batch
from labctl.lake.catalog import NO_MANIFEST, OK, ORPHAN_MANIFEST, describe_lake
from labctl.lake.checkpoints import CheckpointStore, Pending
from labctl.lake.fs import LocalFileSystem, WebHdfsFileSystem, walk_files
from labctl.lake.layout import LakeLayout
from labctl.lake.retention import apply_retention, expired_partitions

LAYOUT = LakeLayout()
WHEN = datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
LINES = [json.dumps({"id": str(i), "text": "caf\u00e9 \u2028 x"}).encode() for i in range(5)] + [b"{not json"]


@pytest.fixture(params=["local", "webhdfs"])
def fs(request, tmp_path):
    return LocalFileSystem(tmp_path) if request.param == "local" else WebHdfsFileSystem(FakeHdfsClient())


def visible_batches(fs):
    return [e.path for e in walk_files(fs, LAYOUT.root) if fnmatchcase(e.path, LAYOUT.raw_glob())]


def test_a_batch_is_its_lines_gzipped_with_a_manifest_that_checks_out(fs):
    manifest = write_batch(fs, LAYOUT, instance="x.example", timeline="public", lines=LINES,
                           stats=BatchStats(parsed=5, unparsed=1, skipped={"noindex": 2}, min_id="0", max_id="4"),
                           now=WHEN)
    data = fs.read_bytes(manifest.data_path)
    assert decode_lines(data) == LINES
    assert gzip.decompress(data).count(b"\n") == len(LINES)
    on_disk = read_manifest(fs, manifest.manifest_path)
    assert on_disk["count"] == len(LINES) and on_disk["unparsed"] == 1 and on_disk["skipped_noindex"] == 2
    assert on_disk["sha256"] == hashlib.sha256(data).hexdigest() and on_disk["bytes"] == len(data)
    assert on_disk["data_path"] == manifest.data_path
    assert visible_batches(fs) == [manifest.data_path]
    assert "/dt=2026-05-06/hour=07/" in manifest.data_path


@pytest.mark.parametrize("line", [b'{"a":\n1}', b"bad\rline", b"trailing\r"])
def test_a_line_with_a_newline_or_a_carriage_return_is_refused(fs, line):
    """Hadoop's LineReader would end the record at either byte: the manifest's count would lie."""
    with pytest.raises(ValueError, match="newline or carriage-return"):
        write_batch(fs, LAYOUT, instance="i", timeline="t", lines=[line], stats=BatchStats())


class Crash(Exception):
    pass


@pytest.mark.parametrize("step", ["write-data", "write-manifest", "before-commit", "rename-data"])
def test_a_failed_batch_leaves_no_visible_file(fs, step):
    original_write, original_rename = fs.write_bytes, fs.rename

    def write_bytes(path, data):
        if (step == "write-data" and path.endswith(".jsonl.gz.inprogress")) or (
            step == "write-manifest" and path.endswith(".json.inprogress")
        ):
            original_write(path, data[: len(data) // 2])  # a partial write, then the failure
            raise Crash(step)
        original_write(path, data)

    def rename(src, dst):
        if step == "rename-data" and dst.endswith(".jsonl.gz"):
            raise Crash(step)
        original_rename(src, dst)

    def before_commit(manifest):
        if step == "before-commit":
            raise Crash(step)

    fs.write_bytes, fs.rename = write_bytes, rename
    with pytest.raises(Crash):
        write_batch(fs, LAYOUT, instance="i", timeline="t", lines=LINES, stats=BatchStats(), before_commit=before_commit)
    assert visible_batches(fs) == []
    assert list(walk_files(fs, LAYOUT.root)) == [], "no manifest and no temporary file may remain"


def test_checkpoint_versions_and_pending_commits(fs):
    store = CheckpointStore(fs, LAYOUT)
    directory = LAYOUT.checkpoint_dir("x.example", "public")
    assert store.load(directory) is None
    first = store.commit(directory, None, "100")
    second = store.commit(directory, first, "200")
    assert store.load(directory).position == "200"
    for _ in range(5):
        second = store.commit(directory, second, "200")
    assert len(fs.list_dir(directory)) <= 2, "old versions are pruned"

    # Intent recorded, data file never renamed into place: the position does not move and
    # the orphan manifest is removed.
    fs.write_bytes("/lake/raw/orphan/_manifests/b.json", b"{}")
    store.begin(directory, second, Pending("/lake/raw/orphan/b.jsonl.gz", "/lake/raw/orphan/_manifests/b.json", "300"))
    recovered = store.load(directory)
    assert recovered.position == "200" and recovered.pending is None
    assert not fs.exists("/lake/raw/orphan/_manifests/b.json")

    # Intent recorded and the data file is in place: the commit happened.
    fs.write_bytes("/lake/raw/done/c.jsonl.gz", b"x")
    store.begin(directory, recovered, Pending("/lake/raw/done/c.jsonl.gz", "/lake/raw/done/_manifests/c.json", "400"))
    assert store.load(directory).position == "400"


def test_an_unreadable_latest_checkpoint_falls_back_to_the_previous(fs):
    store = CheckpointStore(fs, LAYOUT)
    directory = LAYOUT.checkpoint_dir("x", "local")
    store.commit(directory, None, "5")
    fs.write_bytes(f"{directory}/999999999999.json", b"{broken")
    assert store.load(directory).position == "5"


def test_describe_lake_counts_from_manifests_and_flags_leftovers(fs):
    first = write_batch(fs, LAYOUT, instance="a.example", timeline="public", lines=LINES[:3],
                        stats=BatchStats(parsed=3), now=WHEN)
    second = write_batch(fs, LAYOUT, instance="a.example", timeline="public", lines=LINES,
                         stats=BatchStats(parsed=5, unparsed=1, skipped={"noindex": 4}), now=WHEN)
    write_batch(fs, LAYOUT, instance="b.example", timeline="tag_x", lines=LINES[:1], stats=BatchStats(parsed=1),
                now=datetime(2026, 5, 7, 1, tzinfo=timezone.utc))
    partition = first.data_path.rsplit("/", 1)[0]
    fs.write_bytes(f"{partition}/_manifests/aborted.json", json.dumps({"count": 9}).encode())
    fs.write_bytes(f"{partition}/stray.jsonl.gz", b"x")
    fs.write_bytes(f"{LAYOUT.tmp_zone}/left.inprogress", b"x")
    fs.write_bytes(f"{LAYOUT.curated_zone}/run1/metrics/part-00000", b"x")

    summary = describe_lake(fs, LAYOUT)
    assert summary.records == 3 + len(LINES) + 1
    assert summary.batches == 3
    a = next(p for p in summary.partitions if p.instance == "a.example")
    states = {b.batch_id: b.state for b in a.batches}
    assert states[first.batch_id] == OK and states[second.batch_id] == OK
    assert states["aborted"] == ORPHAN_MANIFEST and states["stray"] == NO_MANIFEST
    assert sum(b.skipped_noindex for b in a.batches) == 4
    assert [b.skipped for b in a.batches if b.batch_id == second.batch_id] == [{"noindex": 4}]
    assert any("left.inprogress" in p for p in summary.problems)
    assert next(z for z in summary.zones if z.name == "curated").children == ["run1"]
    assert next(z for z in summary.zones if z.name == "work").children == []
    as_json = json.loads(summary.to_json())
    assert as_json["records"] == summary.records and as_json["raw_glob"] == LAYOUT.raw_glob()


def test_expired_partitions_is_a_pure_function_of_names_and_today():
    paths = [f"/lake/raw/mastodon/instance=i/timeline=t/dt=2026-01-{d:02d}" for d in range(1, 32)]
    paths.append("/lake/raw/mastodon/instance=i/timeline=t/dt=not-a-date")
    expired = expired_partitions(paths, date(2026, 1, 31), keep_days=30)
    assert expired == [paths[0]]
    assert len(expired_partitions(paths, date(2026, 1, 31), keep_days=0)) == 31
    assert expired_partitions(paths, date(2026, 1, 31), keep_days=365) == []
    with pytest.raises(ValueError):
        expired_partitions(paths, date(2026, 1, 31), keep_days=-1)


def test_apply_retention_deletes_whole_expired_days_only(fs):
    for day in (1, 20, 31):
        write_batch(fs, LAYOUT, instance="i", timeline="public", lines=LINES[:1], stats=BatchStats(),
                    now=datetime(2026, 1, day, 12, tzinfo=timezone.utc))
    fs.write_bytes("/lake/raw/mastodon/instance=i/timeline=public/dt=garbage/hour=00/x.jsonl.gz", b"")
    dry = apply_retention(fs, LAYOUT, keep_days=15, today=date(2026, 1, 31), dry_run=True)
    assert [p.rsplit("=", 1)[1] for p in dry.expired] == ["2026-01-01"] and dry.deleted == []
    assert len(describe_lake(fs, LAYOUT).partitions) == 4
    done = apply_retention(fs, LAYOUT, keep_days=15, today=date(2026, 1, 31))
    assert done.deleted == dry.expired
    assert sorted(p.dt for p in describe_lake(fs, LAYOUT).partitions) == ["2026-01-20", "2026-01-31", "garbage"]
    assert done.unreadable and done.unreadable[0].endswith("dt=garbage")


def test_lake_commands_show_and_prune(tmp_path):
    from typer.testing import CliRunner

    from labctl.cli import app

    fs = LocalFileSystem(tmp_path)
    for day in (1, 31):
        write_batch(fs, LAYOUT, instance="i", timeline="public", lines=LINES, stats=BatchStats(parsed=5, unparsed=1),
                    now=datetime(2026, 1, day, 12, tzinfo=timezone.utc))
    runner = CliRunner()
    shown = runner.invoke(app, ["lake", "--lake", str(tmp_path), "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output)["records"] == 2 * len(LINES)
    table = runner.invoke(app, ["lake", "--lake", str(tmp_path)])
    assert table.exit_code == 0 and LAYOUT.raw_glob() in table.output
    dry = runner.invoke(app, ["lake", "prune", "--lake", str(tmp_path), "--keep-days", "10", "--today", "2026-01-31",
                              "--dry-run"])
    assert dry.exit_code == 0 and "would delete" in dry.output and len(describe_lake(fs, LAYOUT).partitions) == 2
    done = runner.invoke(app, ["lake", "--lake", str(tmp_path), "prune", "--keep-days", "10", "--today", "2026-01-31"])
    assert done.exit_code == 0
    assert [p.dt for p in describe_lake(fs, LAYOUT).partitions] == ["2026-01-31"]
