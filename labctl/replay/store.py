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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from labctl.collect.records import iter_raw_records

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
    status: Status
    body: bytes  # the status as JSON, serialised once: pages are then concatenations
    local: bool
    tags: frozenset[str]
    media: bool


@dataclass(frozen=True)
class Recording:
    statuses: list[Status]
    unparsed: int  # lines that are not JSON objects
    bad_ids: int  # objects without a numeric id: a replayed Mastodon cannot page them
    duplicates: int


def load_recording(path: Path) -> Recording:
    """Every status of a recording file (JSON lines or arrays, gzip or not)."""
    statuses: list[Status] = []
    seen: set[int] = set()
    unparsed = bad_ids = duplicates = 0
    for record in iter_raw_records(path):
        status = record.status
        if status is None:
            unparsed += 1
            continue
        status_id = status.get("id")
        if not (isinstance(status_id, str) and status_id.isascii() and status_id.isdigit()):
            bad_ids += 1
            continue
        if int(status_id) in seen:
            duplicates += 1
            continue
        seen.add(int(status_id))
        statuses.append(status)
    if unparsed or bad_ids or duplicates:
        log.warning("%s: left out %d unparsable lines, %d statuses without a numeric id, %d duplicates",
                    path, unparsed, bad_ids, duplicates)
    return Recording(statuses, unparsed, bad_ids, duplicates)


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


def infer_domain(statuses: Iterable[Status]) -> str:
    """The instance a recording was made on: the host of its local accounts' URLs."""
    hosts: Counter[str] = Counter()
    for status in statuses:
        account = status.get("account")
        if _is_local(status) and isinstance(account, dict) and isinstance(account.get("url"), str):
            host = urlsplit(account["url"]).hostname
            if host:
                hosts[host] += 1
    return hosts.most_common(1)[0][0] if hosts else "replay.invalid"


class StatusStore:
    def __init__(self, statuses: Sequence[Status]):
        entries = [
            StoredStatus(int(s["id"]), s, json.dumps(s, ensure_ascii=False).encode(), _is_local(s), _tags(s),
                         _has_media(s))
            for s in statuses
        ]
        entries.sort(key=lambda e: e.id, reverse=True)
        self._all = entries
        self._views: dict[View, tuple[list[int], list[StoredStatus]]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._all)

    @property
    def statuses(self) -> list[Status]:
        return [e.status for e in self._all]

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
