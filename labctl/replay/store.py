"""A recording in memory, paged the way Mastodon pages timelines.

Mastodon's cursor rules (app/models/concerns/paginable.rb):
- `max_id`: only statuses with a smaller id;
- `since_id`: only larger ids, and the page is the *newest* `limit` of them;
- `min_id`: only larger ids, and the page is the *oldest* `limit` of them (the page just
  above the cursor), still returned newest first. min_id wins over since_id.
Every view (local, remote, a hashtag, media only) is an id-sorted list built once, so a
page is two binary searches and a slice, even for a recording of millions.
"""

from __future__ import annotations

import bisect
import json
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from labctl.lake.records import iter_raw_records

log = logging.getLogger(__name__)

Status = dict[str, Any]
Scope = Literal["all", "local", "remote"]


@dataclass(frozen=True)
class View:
    scope: Scope = "all"
    only_media: bool = False
    tag: str | None = None
    any_tags: tuple[str, ...] = ()
    all_tags: tuple[str, ...] = ()
    none_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredStatus:
    id: int
    body: bytes  # the status as JSON: pages are concatenations, nothing is serialised per request
    local: bool
    tags: frozenset[str]
    media: bool


@dataclass(frozen=True)
class LoadReport:
    statuses: int
    unparsed: int  # lines that are not JSON objects
    bad_ids: int  # objects without a numeric id: a replayed Mastodon cannot page them
    duplicates: int


def _is_local(status: Status) -> bool:
    account = status.get("account")
    acct = account.get("acct") if isinstance(account, dict) else None
    return isinstance(acct, str) and "@" not in acct


def _tags(status: Status) -> frozenset[str]:
    tags = status.get("tags")
    if not isinstance(tags, list):
        return frozenset()
    return frozenset(t["name"].lower() for t in tags if isinstance(t, dict) and isinstance(t.get("name"), str))


def _has_media(status: Status) -> bool:
    media = status.get("media_attachments")
    return isinstance(media, list) and len(media) > 0


def _local_host(status: Status) -> str | None:
    account = status.get("account")
    if _is_local(status) and isinstance(account, dict) and isinstance(account.get("url"), str):
        return urlsplit(account["url"]).hostname
    return None


def _numeric_id(status: Status) -> int | None:
    value = status.get("id")
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


class StatusStore:
    """Statuses indexed for paging. Only each status's JSON and what the views filter on
    are kept, so a recording of millions fits in memory."""

    def __init__(self, statuses: Iterable[Status]):
        self.report = self._index((s, None) for s in statuses)

    @classmethod
    def from_file(cls, path: Path) -> StatusStore:
        """Stream a recording (JSON lines or arrays, gzip or not) into a store; the file's
        own bytes are served, and what cannot be served is counted in `report`."""
        store = cls.__new__(cls)
        records = ((r.status, r.line) if r.status is not None else (None, r.line) for r in iter_raw_records(path))
        store.report = store._index(records)
        report = store.report
        if report.unparsed or report.bad_ids or report.duplicates:
            log.warning("%s: left out %d unparsable lines, %d statuses without a numeric id, %d duplicates",
                        path, report.unparsed, report.bad_ids, report.duplicates)
        return store

    def _index(self, records: Iterable[tuple[Status | None, bytes | None]]) -> LoadReport:
        entries: list[StoredStatus] = []
        seen: set[int] = set()
        hosts: Counter[str] = Counter()
        unparsed = bad_ids = duplicates = 0
        for status, line in records:
            if status is None:
                unparsed += 1
                continue
            status_id = _numeric_id(status)
            if status_id is None:
                bad_ids += 1
                continue
            if status_id in seen:
                duplicates += 1
                continue
            seen.add(status_id)
            host = _local_host(status)
            if host:
                hosts[host] += 1
            body = line.strip() if line is not None else json.dumps(status, ensure_ascii=False).encode()
            entries.append(StoredStatus(status_id, body, _is_local(status), _tags(status), _has_media(status)))
        entries.sort(key=lambda e: e.id, reverse=True)
        self._all = entries
        self._views: dict[View, tuple[list[int], list[StoredStatus]]] = {}
        self._lock = threading.Lock()
        self.domain = hosts.most_common(1)[0][0] if hosts else "replay.invalid"
        return LoadReport(len(entries), unparsed, bad_ids, duplicates)

    def __len__(self) -> int:
        return len(self._all)

    @property
    def statuses(self) -> list[Status]:
        """Every status, newest first (parsed again: for tests and tools, not for serving)."""
        return [json.loads(e.body) for e in self._all]

    def _view(self, view: View) -> tuple[list[int], list[StoredStatus]]:
        with self._lock:
            cached = self._views.get(view)
        if cached is not None:
            return cached
        entries = [e for e in self._all if _matches(e, view)]
        built = ([-e.id for e in entries], entries)  # ascending keys for bisect
        with self._lock:
            if len(self._views) > 256:  # unbounded tag combinations must not grow memory forever
                self._views.clear()
            self._views[view] = built
        return built

    def page(
        self,
        view: View,
        *,
        max_id: int | None = None,
        since_id: int | None = None,
        min_id: int | None = None,
        limit: int = 20,
    ) -> list[StoredStatus]:
        keys, entries = self._view(view)
        start = 0 if max_id is None else bisect.bisect_right(keys, -max_id)
        lower = min_id if min_id is not None else since_id
        end = len(entries) if lower is None else bisect.bisect_left(keys, -lower)
        window = entries[start:end] if end > start else []
        chosen = window[-limit:] if min_id is not None else window[:limit]
        return chosen


def _matches(entry: StoredStatus, view: View) -> bool:
    if view.scope == "local" and not entry.local:
        return False
    if view.scope == "remote" and entry.local:
        return False
    if view.only_media and not entry.media:
        return False
    if view.tag is not None:
        wanted = {view.tag, *view.any_tags}
        if not entry.tags & wanted:
            return False
        if not entry.tags.issuperset(view.all_tags):
            return False
        if entry.tags & set(view.none_tags):
            return False
    return True
