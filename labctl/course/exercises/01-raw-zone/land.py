"""Land a recording in the lake's raw zone: partitions, batches, and a manifest per batch.

    python3 land.py INPUT LAKE --instance HOST --timeline NAME --collected-at TIME [--batch-size N]

LAKE is a local directory standing for the lake's root (`/lake` in HDFS). The layout is the
lab's (docs/data-lake.md):

    LAKE/raw/mastodon/instance=<host>/timeline=<name>/dt=YYYY-MM-DD/hour=HH/<batch>.jsonl.gz
    LAKE/raw/mastodon/instance=<host>/timeline=<name>/dt=YYYY-MM-DD/hour=HH/_manifests/<batch>.json
    LAKE/_tmp/                        (writes in progress; empty when land.py is done)

The task (TASK.en.md) gives every rule; this file gives the structure.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path


def partition_value(text: str) -> str:
    """A name usable as one HDFS path component: lower-cased, anything but letters, digits,
    `.`, `-` and `_` replaced by `_`, leading `.` and `_` dropped; `unknown` if nothing is left."""
    ### BEGIN SOLUTION
    safe = re.sub(r"[^\w.-]", "_", text.strip().lower()).lstrip("._")
    return safe or "unknown"
    ### END SOLUTION


def partition_path(instance: str, timeline: str, collected_at: datetime) -> str:
    """The partition of a batch, relative to the lake: raw/mastodon/instance=.../hour=HH.
    Date and hour are those of the collection, in UTC."""
    ### BEGIN SOLUTION
    when = collected_at.astimezone(timezone.utc)
    return (f"raw/mastodon/instance={partition_value(instance)}/timeline={partition_value(timeline)}"
            f"/dt={when:%Y-%m-%d}/hour={when:%H}")
    ### END SOLUTION


def read_lines(path: Path):
    """Each non-blank line of the input (gzip or not), as bytes, without its line end (`\\n` or `\\r\\n`)."""
    ### BEGIN SOLUTION
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if compressed else path.open("rb")) as source:
        for line in source:  # binary: split on b"\n" only, so U+2028 stays inside its line
            line = line.removesuffix(b"\n").removesuffix(b"\r")
            if line.strip():
                yield line
    ### END SOLUTION


def noindex(record: object) -> bool:
    """Whether the author of the record, or of the original it boosts, asked not to be indexed
    (`account.noindex` is true)."""
    ### BEGIN SOLUTION
    level = record
    while isinstance(level, dict):
        account = level.get("account")
        if isinstance(account, dict) and account.get("noindex") is True:
            return True
        level = level.get("reblog")
    return False
    ### END SOLUTION


def write_batch(lake: Path, instance: str, timeline: str, collected_at: datetime, lines: list[bytes], counts: dict[str, int]) -> dict:
    """Write one batch, data then manifest then the data's rename into place; return the manifest.

    `counts` holds this batch's parsed, unparsed and skipped_noindex."""
    ### BEGIN SOLUTION
    partition = partition_path(instance, timeline, collected_at)
    when = collected_at.astimezone(timezone.utc)
    batch_id = f"{when:%Y%m%dT%H%M%S}Z-{secrets.token_hex(6)}"
    data = gzip.compress(b"".join(line + b"\n" for line in lines), mtime=0)
    data_path = f"{partition}/{batch_id}.jsonl.gz"
    manifest = {
        "batch_id": batch_id,
        "instance": partition_value(instance),
        "timeline": partition_value(timeline),
        "data_path": data_path,
        "created_at": when.isoformat(timespec="seconds"),
        "count": len(lines),
        "parsed": counts["parsed"],
        "unparsed": counts["unparsed"],
        "skipped_noindex": counts["skipped_noindex"],
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    tmp = lake / "_tmp" / f"{batch_id}.jsonl.gz.inprogress"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(data)
    manifest_file = lake / partition / "_manifests" / f"{batch_id}.json"
    manifest_file.parent.mkdir(parents=True, exist_ok=True)
    manifest_file.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, lake / data_path)  # the commit: a reader sees the whole batch or nothing
    return manifest
    ### END SOLUTION


def land(source: Path, lake: Path, instance: str, timeline: str, collected_at: datetime, batch_size: int) -> list[dict]:
    """Land every line of `source`: JSON objects (parsed) and anything else (unparsed) are kept,
    in input order; statuses of noindex authors are left out and counted. Returns the manifests."""
    ### BEGIN SOLUTION
    manifests: list[dict] = []
    pending: list[bytes] = []
    counts = {"parsed": 0, "unparsed": 0, "skipped_noindex": 0}
    for line in read_lines(source):
        try:
            record = json.loads(line)
        except ValueError:  # not UTF-8, or not JSON
            record = None
        if not isinstance(record, dict):
            counts["unparsed"] += 1
        elif noindex(record):
            counts["skipped_noindex"] += 1
            continue
        else:
            counts["parsed"] += 1
        pending.append(line)
        if len(pending) == batch_size:
            manifests.append(write_batch(lake, instance, timeline, collected_at, pending, counts))
            pending, counts = [], {"parsed": 0, "unparsed": 0, "skipped_noindex": 0}
    if pending or counts["skipped_noindex"]:
        manifests.append(write_batch(lake, instance, timeline, collected_at, pending, counts))
    return manifests
    ### END SOLUTION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Land a recording in the lake's raw zone.")
    parser.add_argument("input", type=Path, help="JSON lines of statuses, gzip or not")
    parser.add_argument("lake", type=Path, help="the lake's root directory")
    parser.add_argument("--instance", required=True)
    parser.add_argument("--timeline", required=True)
    parser.add_argument("--collected-at", required=True, type=datetime.fromisoformat, help="ISO 8601, e.g. 2026-01-31T18:30:00+00:00")
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args(argv)
    collected_at = args.collected_at if args.collected_at.tzinfo else args.collected_at.replace(tzinfo=timezone.utc)
    manifests = land(args.input, args.lake, args.instance, args.timeline, collected_at, args.batch_size)
    lines = sum(manifest["count"] for manifest in manifests)
    print(f"{lines} lines in {len(manifests)} batches", file=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
