"""What is in the lake: zones, raw partitions and batches, with record counts from manifests."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from labctl.lake.batches import read_manifest
from labctl.lake.fs import FileSystem, walk_files
from labctl.lake.layout import DATA_SUFFIX, MANIFEST_DIR, MANIFEST_SUFFIX, LakeLayout, partition_fields
from labctl.lake.permissions import zone_access
from labctl.lake.retention import DEFAULT_KEEP_DAYS, RUN_ZONES, retention_text

OK = "ok"
ORPHAN_MANIFEST = "orphan-manifest"  # an aborted batch: its data file was never committed
NO_MANIFEST = "no-manifest"  # a data file nobody accounted for
BAD_MANIFEST = "unreadable-manifest"


@dataclass
class BatchEntry:
    batch_id: str
    state: str
    data_path: str | None
    count: int = 0
    unparsed: int = 0
    skipped_noindex: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # every reason: noindex, erased...
    redacted: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    min_id: str | None = None
    max_id: str | None = None
    created_at: str | None = None


@dataclass
class PartitionEntry:
    path: str
    instance: str
    timeline: str
    dt: str
    hour: str
    batches: list[BatchEntry] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(b.count for b in self.batches if b.state == OK)


@dataclass
class ZoneEntry:
    name: str
    path: str
    exists: bool
    owner: str
    group: str
    mode: str
    readers: str
    children: list[str] = field(default_factory=list)
    retention: str = "-"


@dataclass
class LakeSummary:
    root: str
    raw_glob: str
    zones: list[ZoneEntry]
    partitions: list[PartitionEntry]
    tmp_leftovers: list[str]

    @property
    def records(self) -> int:
        return sum(p.records for p in self.partitions)

    @property
    def batches(self) -> int:
        return sum(1 for p in self.partitions for b in p.batches if b.state == OK)

    @property
    def problems(self) -> list[str]:
        found = [
            f"{b.state}: {p.path} {b.batch_id}" for p in self.partitions for b in p.batches if b.state != OK
        ]
        return found + [f"leftover temporary file: {path}" for path in self.tmp_leftovers]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for entry, raw in zip(self.partitions, data["partitions"]):
            raw["records"] = entry.records
        data.update(records=self.records, batches=self.batches, problems=self.problems)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def describe_lake(fs: FileSystem, layout: LakeLayout = LakeLayout(), *, keep_days: int = DEFAULT_KEEP_DAYS) -> LakeSummary:
    """The lake as it is; `keep_days` is the raw retention the zones' rules are shown for."""
    zones = [
        ZoneEntry(
            name=access.zone,
            path=access.path,
            exists=fs.exists(access.path),
            owner=access.owner,
            group=access.group,
            mode=access.mode_octal,
            readers=access.readers,
            children=[e.name for e in fs.list_dir(access.path) if e.is_dir]
            if access.zone in RUN_ZONES else [],
            retention=retention_text(access.zone, keep_days),
        )
        for access in zone_access(layout)
        if access.zone != "root"
    ]
    partitions = [_describe_partition(fs, path) for path in _hour_partitions(fs, layout)]
    leftovers = [entry.path for entry in walk_files(fs, layout.tmp_zone)]
    return LakeSummary(layout.root, layout.raw_glob(), zones, partitions, leftovers)


def _hour_partitions(fs: FileSystem, layout: LakeLayout) -> list[str]:
    level = [layout.raw_source]
    for prefix in ("instance=", "timeline=", "dt=", "hour="):
        level = [e.path for path in level for e in fs.list_dir(path) if e.is_dir and e.name.startswith(prefix)]
    return sorted(level)


def _describe_partition(fs: FileSystem, path: str) -> PartitionEntry:
    fields = partition_fields(path)
    entry = PartitionEntry(path, fields.get("instance", ""), fields.get("timeline", ""),
                           fields.get("dt", ""), fields.get("hour", ""))
    data_files = {
        e.name[: -len(DATA_SUFFIX)]: e for e in fs.list_dir(path) if not e.is_dir and e.name.endswith(DATA_SUFFIX)
    }
    manifests = {
        e.name[: -len(MANIFEST_SUFFIX)]: e.path
        for e in fs.list_dir(f"{path}/{MANIFEST_DIR}")
        if not e.is_dir and e.name.endswith(MANIFEST_SUFFIX)
    }
    for batch_id in sorted(set(data_files) | set(manifests)):
        data = data_files.get(batch_id)
        if batch_id not in manifests:
            entry.batches.append(BatchEntry(batch_id, NO_MANIFEST, data.path if data else None,
                                            bytes=data.size if data else 0))
            continue
        try:
            manifest = read_manifest(fs, manifests[batch_id])
        except (OSError, ValueError):
            entry.batches.append(BatchEntry(batch_id, BAD_MANIFEST, data.path if data else None))
            continue
        entry.batches.append(
            BatchEntry(
                batch_id=batch_id,
                state=OK if data else ORPHAN_MANIFEST,
                data_path=data.path if data else None,
                count=int(manifest.get("count", 0)),
                unparsed=int(manifest.get("unparsed", 0)),
                skipped_noindex=int(manifest.get("skipped_noindex", 0)),
                skipped={str(k): int(v) for k, v in (manifest.get("skipped") or {}).items()},
                redacted={str(k): int(v) for k, v in (manifest.get("redacted") or {}).items()},
                bytes=int(manifest.get("bytes", 0)),
                min_id=manifest.get("min_id"),
                max_id=manifest.get("max_id"),
                created_at=manifest.get("created_at"),
            )
        )
    return entry
