"""Recordings: gzip JSON lines of statuses, newest first, as the replay server serves them.

`record_timeline` makes one from a live instance through the same client, access check,
policy and minimisation as a collection, so a recording holds no more personal data than
the raw zone would. It does not touch the lake.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mastodon.errors import MastodonError

from labctl.collect.access import check_access
from labctl.collect.client import MAX_PAGE_SIZE, ClientOptions, MastodonClient, refusal
from labctl.collect.collector import fetch_newest
from labctl.collect.errors import AccessDenied, CollectError
from labctl.lake.lines import dumps_line
from labctl.collect.timelines import Timeline
from labctl.collect.token import Secret
from labctl.governance.minimise import DEFAULT_MINIMISER, Minimiser
from labctl.governance.policy import IngestionPolicy


@dataclass
class RecordResult:
    out: str
    fetched: int
    written: int
    skipped: dict[str, int] = field(default_factory=dict)
    server_version: str = ""


def write_recording(statuses: Iterable[dict[str, Any]], out: Path) -> int:
    """Write statuses as gzip JSON lines, atomically (a temporary file renamed into place)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".inprogress")
    count = 0
    try:
        with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as stream:
            for status in statuses:
                stream.write(dumps_line(status) + b"\n")
                count += 1
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return count


def record_timeline(
    instance_url: str,
    timeline: Timeline,
    limit: int,
    out: Path,
    *,
    token: Secret | None = None,
    include_noindex: bool = False,
    client_options: ClientOptions = ClientOptions(),
    minimiser: Minimiser = DEFAULT_MINIMISER,
    client: MastodonClient | None = None,
) -> RecordResult:
    """Record the newest `limit` statuses of a timeline into `out` (newest first)."""
    if limit < 1:
        raise CollectError(f"--limit must be at least 1, got {limit}")
    client = client or MastodonClient(instance_url, token, client_options)
    policy = IngestionPolicy.default(include_noindex=include_noindex)
    try:
        report = check_access(client, [timeline])
        if not report.ok:
            raise AccessDenied(report)
        statuses = fetch_newest(client, timeline, limit, page_size=MAX_PAGE_SIZE)
    except MastodonError as exc:
        raise refusal(instance_url, exc) from None
    skipped: dict[str, int] = {}
    kept = []
    for status in statuses:
        reason = policy.skip_reason(status)
        if reason is None:
            kept.append(minimiser(status))
        else:
            skipped[reason] = skipped.get(reason, 0) + 1
    written = write_recording(kept, out)
    return RecordResult(str(out), len(statuses), written, skipped, report.version)
