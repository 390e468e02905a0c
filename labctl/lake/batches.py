"""Raw-zone batches: one gzip JSON-lines file and one manifest, committed atomically.

Commit order, and why:
1. the data is written under <root>/_tmp/ (jobs never look there);
2. the manifest is written next to where the data will be, under `_manifests/`;
3. `before_commit` runs (the collector records its intent in the checkpoint here);
4. the data file is renamed into its partition: this single rename is the commit.
A crash before 4 leaves no data file a job could read; a manifest without its data file is
an aborted batch (`labctl lake` reports it, checkpoint recovery removes it).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from labctl.lake.fs import FileSystem, atomic_write, discard_quietly
from labctl.lake.layout import LakeLayout, partition_value

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class BatchStats:
    """What the producer knows about a batch's records; the lake adds the file's facts."""

    parsed: int = 0
    unparsed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)  # kept, with a reference removed
    min_id: str | None = None  # over every status seen, skipped ones included
    max_id: str | None = None
    checkpoint_after: str | None = None  # the position before this batch (exclusive)
    checkpoint_through: str | None = None  # the position this batch brings the checkpoint to
    source: dict[str, Any] = field(default_factory=dict)
    policy: dict[str, Any] = field(default_factory=dict)
    minimisation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    batch_id: str
    instance: str
    timeline: str
    data_path: str
    manifest_path: str
    created_at: str
    count: int  # lines in the data file: what a job reads
    parsed: int
    unparsed: int
    skipped_noindex: int
    skipped: dict[str, int]
    sha256: str  # of the data file's bytes as stored
    bytes: int
    min_id: str | None
    max_id: str | None
    checkpoint: dict[str, str | None]
    source: dict[str, Any]
    policy: dict[str, Any]
    minimisation: dict[str, Any]
    redacted: dict[str, int] = field(default_factory=dict)
    format: str = "jsonl.gz"
    version: int = MANIFEST_VERSION

    def to_json(self) -> bytes:
        return (json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def new_batch_id(now: datetime) -> str:
    """Sortable by creation time, unique without coordination."""
    return f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:12]}"


def encode_lines(lines: Sequence[bytes]) -> bytes:
    """JSON lines, gzip-compressed; mtime 0 so equal content gives an equal checksum."""
    body = b"".join(line + b"\n" for line in lines)
    return gzip.compress(body, compresslevel=6, mtime=0)


def decode_lines(data: bytes) -> list[bytes]:
    body = gzip.decompress(data)
    return body.split(b"\n")[:-1] if body else []


def write_batch(
    fs: FileSystem,
    layout: LakeLayout,
    *,
    instance: str,
    timeline: str,
    lines: Sequence[bytes],
    stats: BatchStats,
    now: datetime | None = None,
    before_commit: Callable[[Manifest], None] | None = None,
) -> Manifest:
    """Write one batch into the raw zone, atomically; returns its manifest."""
    for line in lines:
        # Hadoop's LineReader ends a line at LF, CR or CRLF: either byte would cut the record in two.
        if b"\n" in line or b"\r" in line:
            raise ValueError("a raw line must not contain a newline or carriage-return byte (labctl.lake.records.line_safe)")
    now = now or datetime.now(timezone.utc)
    batch_id = new_batch_id(now)
    partition = layout.raw_partition(instance, timeline, now)
    data = encode_lines(lines)
    manifest = Manifest(
        batch_id=batch_id,
        instance=partition_value(instance),
        timeline=partition_value(timeline),
        data_path=layout.batch_file(partition, batch_id),
        manifest_path=layout.manifest_file(partition, batch_id),
        created_at=now.astimezone(timezone.utc).isoformat(timespec="seconds"),
        count=len(lines),
        parsed=stats.parsed,
        unparsed=stats.unparsed,
        skipped_noindex=stats.skipped.get("noindex", 0),
        skipped=dict(stats.skipped),
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        min_id=stats.min_id,
        max_id=stats.max_id,
        checkpoint={"after": stats.checkpoint_after, "through": stats.checkpoint_through},
        source=stats.source,
        policy=stats.policy,
        minimisation=stats.minimisation,
        redacted=dict(stats.redacted),
    )
    tmp_data = layout.tmp_file(f"{batch_id}.jsonl.gz.inprogress")
    committed = False
    try:
        fs.write_bytes(tmp_data, data)
        atomic_write(fs, layout.tmp_zone, manifest.manifest_path, manifest.to_json())
        if before_commit is not None:
            before_commit(manifest)
        fs.rename(tmp_data, manifest.data_path)
        committed = True
    finally:
        if not committed:
            discard_quietly(fs, tmp_data)
            if _surely_absent(fs, manifest.data_path):
                discard_quietly(fs, manifest.manifest_path)
    return manifest


def _surely_absent(fs: FileSystem, path: str) -> bool:
    # A rename that failed on the wire may still have happened on the namenode; keep the
    # manifest unless the data file is known to be absent.
    try:
        return not fs.exists(path)
    except Exception:
        return False


def read_manifest(fs: FileSystem, path: str) -> dict[str, Any]:
    return json.loads(fs.read_bytes(path))
