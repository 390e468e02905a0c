"""Lake paths, and the two filesystem backends behaving alike."""

from __future__ import annotations

from datetime import datetime, timezone
from fnmatch import fnmatchcase

import pytest
from fakehdfs import FakeHdfsClient

from labctl.lake.fs import LocalFileSystem, WebHdfsFileSystem, atomic_write, open_filesystem, walk_files
from labctl.lake.layout import LakeLayout, check_run_id, partition_fields, partition_value
from labctl.lake.permissions import apply_zone_access, hdfs_commands, zone_access

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def test_raw_partition_is_instance_timeline_day_hour():
    layout = LakeLayout()
    partition = layout.raw_partition("Mastodon.Example", "tag_python", WHEN)
    assert partition == "/lake/raw/mastodon/instance=mastodon.example/timeline=tag_python/dt=2026-03-04/hour=05"
    assert partition_fields(partition) == {"instance": "mastodon.example", "timeline": "tag_python",
                                           "dt": "2026-03-04", "hour": "05"}


def test_partition_hour_is_utc():
    from datetime import timedelta

    local = WHEN.astimezone(timezone(timedelta(hours=-7)))
    assert LakeLayout().raw_partition("a", "b", local).endswith("dt=2026-03-04/hour=05")


@pytest.mark.parametrize("raw, safe", [
    ("mastodon.social:443", "mastodon.social_443"),
    ("_hidden", "hidden"),
    (".dot", "dot"),
    ("tag_日本", "tag_日本"),
    ("a*b?[c]{d}", "a_b__c__d_"),
    ("", "unknown"),
])
def test_partition_values_are_safe_hdfs_names_and_never_hidden(raw, safe):
    assert partition_value(raw) == safe


def test_the_raw_glob_reads_batches_and_nothing_else():
    layout = LakeLayout()
    partition = layout.raw_partition("i", "public", WHEN)
    data = layout.batch_file(partition, "b1")
    others = [
        layout.manifest_file(partition, "b1"),
        layout.tmp_file("b2.jsonl.gz.inprogress"),
        f"{layout.checkpoint_dir('i', 'public')}/000000000001.json",
        f"{partition}/b3.jsonl.gz.inprogress",
    ]
    pattern = layout.raw_glob()
    assert fnmatchcase(data, pattern)
    assert not any(fnmatchcase(path, pattern) for path in others)
    # Hadoop's FileInputFormat also skips names starting with _ or . when a job reads directories.
    assert all(any(part.startswith(("_", ".")) for part in path.split("/")) or not path.endswith(".gz")
               for path in others)


def test_run_paths_and_run_id_validation():
    layout = LakeLayout("/data/lake")
    assert layout.curated_run("manual__2026-01-01T00:00:00", "metrics") == \
        "/data/lake/curated/manual__2026-01-01T00_00_00/metrics"
    assert layout.quarantine_run("r1") == "/data/lake/quarantine/r1"
    for bad in ("../x", "a/b", "", "-x"):
        with pytest.raises(ValueError, match="invalid run id"):
            check_run_id(bad)
    with pytest.raises(ValueError, match="absolute"):
        LakeLayout("lake")


@pytest.fixture(params=["local", "webhdfs"])
def fs(request, tmp_path):
    if request.param == "local":
        return LocalFileSystem(tmp_path)
    return WebHdfsFileSystem(FakeHdfsClient())


def test_backends_write_read_list_rename_delete(fs):
    fs.write_bytes("/lake/a/one.txt", b"1")
    fs.write_bytes("/lake/a/sub/two.txt", b"22")
    assert fs.read_bytes("/lake/a/one.txt") == b"1"
    assert [(e.name, e.is_dir, e.size) for e in fs.list_dir("/lake/a")] == [("one.txt", False, 1), ("sub", True, 0)]
    assert fs.list_dir("/lake/missing") == []
    fs.rename("/lake/a/one.txt", "/lake/b/deep/one.txt")
    assert not fs.exists("/lake/a/one.txt") and fs.read_bytes("/lake/b/deep/one.txt") == b"1"
    assert [e.path for e in walk_files(fs, "/lake")] == ["/lake/a/sub/two.txt", "/lake/b/deep/one.txt"]
    assert fs.delete("/lake/a", recursive=True) is True
    assert fs.delete("/lake/a", recursive=True) is False


def test_rename_never_replaces_or_nests(fs):
    fs.write_bytes("/lake/x", b"new")
    fs.write_bytes("/lake/y", b"old")
    with pytest.raises(FileExistsError):
        fs.rename("/lake/x", "/lake/y")
    fs.write_bytes("/lake/dir/inside", b"")
    with pytest.raises(FileExistsError):
        fs.rename("/lake/x", "/lake/dir")
    assert fs.read_bytes("/lake/y") == b"old"


def test_atomic_write_leaves_nothing_behind_on_failure(fs):
    class Boom(Exception):
        pass

    original = fs.rename

    def failing_rename(src, dst):
        raise Boom

    fs.rename = failing_rename
    with pytest.raises(Boom):
        atomic_write(fs, "/lake/_tmp", "/lake/raw/file.json", b"{}")
    fs.rename = original
    assert not fs.exists("/lake/raw/file.json")
    assert list(walk_files(fs, "/lake")) == []


def test_paths_must_be_absolute_and_normalised(tmp_path):
    fs = LocalFileSystem(tmp_path)
    for bad in ("lake/x", "/lake/../../etc/passwd", "/lake//x"):
        with pytest.raises(ValueError):
            fs.read_bytes(bad)


def test_open_filesystem_picks_the_backend(tmp_path):
    assert isinstance(open_filesystem(str(tmp_path)), LocalFileSystem)
    assert isinstance(open_filesystem(f"file://{tmp_path}"), LocalFileSystem)
    hdfs = open_filesystem("http://namenode:9870", user="collector")
    assert isinstance(hdfs, WebHdfsFileSystem) and hdfs.client.url == "http://namenode:9870"
    with pytest.raises(ValueError, match="unsupported lake location"):
        open_filesystem("s3://bucket/lake")


def test_zone_permissions_keep_raw_data_from_analysts_and_everyone_else():
    zones = {z.zone: z for z in zone_access()}
    assert zones["raw"].group != zones["curated"].group
    assert zones["work"].group == zones["raw"].group, "job outputs name accounts: raw-zone readers only"
    assert zones["work"].group != zones["curated"].group
    for name in ("raw", "work", "curated", "quarantine", "state", "tmp"):
        assert zones[name].mode & 0o007 == 0, f"{name} must not be readable by others"
    assert zones["raw"].mode & 0o020 == 0, "only the collector writes raw data"
    commands = hdfs_commands()
    for zone in zones.values():
        assert ["hdfs", "dfs", "-chmod", zone.mode_octal, zone.path] in commands
        assert ["hdfs", "dfs", "-chown", f"{zone.owner}:{zone.group}", zone.path] in commands


def test_work_runs_sit_beside_curated_runs():
    layout = LakeLayout("/data/lake")
    assert layout.work_run("manual__2026-01-01T00:00:00", "jobs") == "/data/lake/work/manual__2026-01-01T00_00_00/jobs"
    assert layout.work_zone == "/data/lake/work"


class OwnedFakeHdfs(FakeHdfsClient):
    """The fake WebHDFS client, with the owner and mode calls provisioning makes."""

    def __init__(self) -> None:
        super().__init__()
        self.owners: dict[str, tuple[str, str]] = {}
        self.modes: dict[str, str] = {}

    def set_owner(self, path: str, owner: str, group: str) -> None:
        self.owners[path] = (owner, group)

    def set_permission(self, path: str, permission: str) -> None:
        self.modes[path] = permission


def test_provisioning_makes_every_zone_and_removes_job_outputs_left_under_curated():
    client = OwnedFakeHdfs()
    client.write("/lake/curated/run-1/jobs/step-2-aggregate/part-00000", b"followers\talice@a.example\t{}\n")
    client.write("/lake/curated/run-1/metrics/metrics.json", b"{}")
    client.write("/lake/curated/run-2/metrics/metrics.json", b"{}")
    apply_zone_access(client)
    assert client.owners["/lake/work"] == ("etl", "data-engineers") and client.modes["/lake/work"] == "0750"
    assert not any(path.startswith("/lake/curated/run-1/jobs") for path in client.files)
    assert sorted(p for p in client.files if p.startswith("/lake/curated")) == [
        "/lake/curated/run-1/metrics/metrics.json", "/lake/curated/run-2/metrics/metrics.json"]
    apply_zone_access(client)  # idempotent
    assert client.status("/lake/work") is not None
