"""The data lake: layout, filesystem backends, atomic batches, manifests, checkpoints, retention."""

from labctl.lake.batches import BatchStats, Manifest, read_manifest, write_batch
from labctl.lake.catalog import LakeSummary, describe_lake
from labctl.lake.checkpoints import Checkpoint, CheckpointStore, Pending
from labctl.lake.fs import FileSystem, LocalFileSystem, WebHdfsFileSystem, atomic_write, open_filesystem
from labctl.lake.layout import LakeLayout, partition_value
from labctl.lake.permissions import ZoneAccess, hdfs_commands, zone_access
from labctl.lake.retention import apply_retention, expired_partitions

__all__ = [
    "BatchStats",
    "Checkpoint",
    "CheckpointStore",
    "FileSystem",
    "LakeLayout",
    "LakeSummary",
    "LocalFileSystem",
    "Manifest",
    "Pending",
    "WebHdfsFileSystem",
    "ZoneAccess",
    "apply_retention",
    "atomic_write",
    "describe_lake",
    "expired_partitions",
    "hdfs_commands",
    "open_filesystem",
    "partition_value",
    "read_manifest",
    "write_batch",
    "zone_access",
]
