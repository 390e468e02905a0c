"""The raw zone, batch by batch: which batches an erasure or a purge changes, with their new
lines and manifests. Nothing here writes; labctl/governance/journal.py puts them in place.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labctl.lake.batches import decode_lines
from labctl.lake.fs import FileSystem, walk_files
from labctl.lake.lines import parse_object
from labctl.lake.layout import DATA_SUFFIX, MANIFEST_DIR, LakeLayout, partition_fields


@dataclass(frozen=True)
class RawBatch:
    data_path: str
    manifest_path: str
    instance: str


def raw_batches(fs: FileSystem, layout: LakeLayout) -> list[RawBatch]:
    batches = []
    for entry in walk_files(fs, layout.raw_source):
        if entry.name.endswith(DATA_SUFFIX) and f"/{MANIFEST_DIR}/" not in entry.path:
            partition = posixpath.dirname(entry.path)
            batch_id = entry.name[: -len(DATA_SUFFIX)]
            batches.append(RawBatch(entry.path, layout.manifest_file(partition, batch_id),
                                    partition_fields(partition).get("instance", "")))
    return batches


# What to do with one line: (counter name, new line). No counter: the line stays as it is;
# a counter and None: the line is removed; a counter and bytes: the line is replaced.
Decision = tuple[str | None, bytes | None]
Decide = Callable[[RawBatch, bytes, dict[str, Any] | None], Decision]


@dataclass
class Rewrite:
    batch: RawBatch
    lines: list[bytes]
    counts: Counter
    parsed_removed: int
    unparsed_removed: int


def plan_rewrites(fs: FileSystem, batches: Iterable[RawBatch], decide: Decide) -> list[Rewrite]:
    """The batches that change, with their new lines; nothing is written."""
    rewrites = []
    for batch in batches:
        counts: Counter = Counter()
        kept: list[bytes] = []
        parsed_removed = unparsed_removed = 0
        for line in decode_lines(fs.read_bytes(batch.data_path)):
            record = parse_object(line)
            counter, new_line = decide(batch, line, record)
            if counter is None:
                kept.append(line)
                continue
            counts[counter] += 1
            if new_line is not None:
                kept.append(new_line)
            elif record is None:
                unparsed_removed += 1
            else:
                parsed_removed += 1
        if counts:
            rewrites.append(Rewrite(batch, kept, counts, parsed_removed, unparsed_removed))
    return rewrites


def manifest_dumps(manifest: Mapping[str, Any]) -> bytes:
    # The same form as labctl/lake/batches.py writes.
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def rewritten_manifest(manifest: Mapping[str, Any], rewrite: Rewrite, data: bytes, op: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest of a rewritten batch: counts and checksum of the new file, and the operation."""
    updated = dict(manifest)
    updated.update(
        count=len(rewrite.lines),
        parsed=int(manifest.get("parsed", 0)) - rewrite.parsed_removed,
        unparsed=int(manifest.get("unparsed", 0)) - rewrite.unparsed_removed,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
    )
    history = list(manifest.get("erasures") or [])
    history.append({**op, "lines_removed": rewrite.parsed_removed + rewrite.unparsed_removed,
                    "counts": dict(sorted(rewrite.counts.items()))})
    updated["erasures"] = history
    return updated
