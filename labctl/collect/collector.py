"""Collect a timeline into the raw zone: exactly once, whatever crashes or restarts in between.

The checkpoint of an (instance, timeline) is the newest status id committed to the lake.

- With a checkpoint, collection pages *forward* from it with `min_id`: each page is the
  next block of statuses just above the cursor (newest first within the page, so it is
  sorted). Batches are committed oldest to newest, and the checkpoint moves with each
  commit, so what is committed is always a contiguous range above the old checkpoint: a
  crash loses no status and the re-run repeats none.
- Without one, `--limit N` takes the newest N: it pages backwards from the head with
  `max_id`, keeps them in memory (N bounds it), then commits them oldest first exactly as
  above. A crash while committing resumes forward from the last commit.
- Without one and without a limit it pages forward from the beginning (`min_id=0`).

A status is identified by its id; ids from one server are compared as numbers. A status
federated late with an id below the checkpoint is not seen again: that is a property of id
cursors, and the same for every Mastodon client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mastodon.errors import MastodonError

from labctl.collect.access import AccessReport, check_access
from labctl.collect.client import MAX_PAGE_SIZE, ClientOptions, MastodonClient, refusal
from labctl.collect.errors import AccessDenied, CollectError
from labctl.lake.records import id_order
from labctl.collect.timelines import Timeline
from labctl.collect.token import Secret
from labctl.collect.writer import DEFAULT_BATCH_SIZE, BatchWriter, load_erased
from labctl.governance.minimise import DEFAULT_MINIMISER, Minimiser
from labctl.governance.policy import IngestionPolicy
from labctl.governance.pseudonym import Pseudonymiser
from labctl.lake.checkpoints import CheckpointStore
from labctl.lake.fs import FileSystem
from labctl.lake.layout import LakeLayout, partition_value

log = logging.getLogger(__name__)

Status = dict[str, Any]


@dataclass(frozen=True)
class CollectOptions:
    limit: int | None = None  # at most this many statuses this run; the first run takes the newest
    include_noindex: bool = False
    batch_size: int = DEFAULT_BATCH_SIZE
    page_size: int = MAX_PAGE_SIZE
    client: ClientOptions = ClientOptions()


@dataclass
class CollectResult:
    instance: str
    timeline: str
    mode: str  # "newest", "catch-up" or "from-start"
    position_before: str | None
    position_after: str | None
    received: int = 0
    written: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    requests: int = 0
    retries: int = 0
    batches: list[str] = field(default_factory=list)  # data paths
    seconds: float = 0.0
    access: AccessReport | None = None

    @property
    def statuses_per_second(self) -> float:
        return self.received / self.seconds if self.seconds > 0 else 0.0


def configured_instance(url: str) -> str:
    """The instance a URL names: the domain it ends with when it has one in its path (the
    replay server serves each recorded instance under `/<domain>`), else its host."""
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return last if "." in last else (parts.hostname or url)


def _newer(status_id: Any, cursor: str | None) -> bool:
    key = id_order(status_id)
    return key is not None and (cursor is None or key > id_order(cursor))


def _older(status_id: Any, cursor: str | None) -> bool:
    key = id_order(status_id)
    return key is not None and (cursor is None or key < id_order(cursor))


def page_forward(
    client: MastodonClient, timeline: Timeline, cursor: str, *, page_size: int, limit: int | None
) -> Iterator[list[Status]]:
    """Pages above `cursor`, oldest page first, each sorted oldest first; `limit` statuses at most."""
    taken = 0
    while limit is None or taken < limit:
        page = client.timeline_page(timeline, min_id=cursor, limit=page_size)
        # A server that ignored min_id would hand back older statuses: never take them twice.
        page = sorted((s for s in page if _newer(s.get("id"), cursor)), key=lambda s: id_order(s["id"]))
        if not page:
            return
        if limit is not None:
            page = page[: limit - taken]
        taken += len(page)
        cursor = str(page[-1]["id"])
        yield page


def fetch_newest(client: MastodonClient, timeline: Timeline, limit: int, *, page_size: int) -> list[Status]:
    """The newest `limit` statuses, newest first, paging backwards with max_id."""
    found: list[Status] = []
    seen: set[str] = set()
    max_id: str | None = None
    while len(found) < limit:
        page = client.timeline_page(timeline, max_id=max_id, limit=min(page_size, limit - len(found)))
        page = [s for s in page if max_id is None or _older(s.get("id"), max_id)]
        if not page:
            break
        for status in page:
            key = status.get("id")
            if id_order(key) is None or str(key) not in seen:  # an id-less status is never a repeat
                seen.add(str(key))
                found.append(status)
        ordered = [s for s in page if id_order(s.get("id")) is not None]
        if not ordered:
            raise CollectError(f"{timeline.label}: a page without usable status ids; cannot page further")
        max_id = str(min(ordered, key=lambda s: id_order(s["id"]))["id"])
    found.sort(key=lambda s: id_order(s.get("id")) or (9, ""), reverse=True)
    return found[:limit]


def collect_timeline(
    instance_url: str,
    timeline: Timeline,
    fs: FileSystem,
    layout: LakeLayout = LakeLayout(),
    *,
    token: Secret | None = None,
    options: CollectOptions = CollectOptions(),
    policy: IngestionPolicy | None = None,
    minimiser: Minimiser = DEFAULT_MINIMISER,
    client: MastodonClient | None = None,
    clock: Callable[[], float] = time.monotonic,
    pseudonymiser: Pseudonymiser | None = None,
    instance_name: str | None = None,
) -> CollectResult:
    """Collect what is new on one timeline into the raw zone; returns what was done.

    The partition and the checkpoint are named after the instance as configured:
    `instance_name`, else `configured_instance(instance_url)`, never the domain the server
    claims (a server claiming another's name would write into its partition and move its
    checkpoint); the claim is kept in each manifest's source. Accounts erased from the lake stay out
    (`pseudonymiser` matches them; by default the lab's key)."""
    if options.limit is not None and options.limit < 1:
        raise CollectError(f"--limit must be at least 1, got {options.limit}")
    started = clock()
    client = client or MastodonClient(instance_url, token, options.client)
    policy = policy or IngestionPolicy.default(include_noindex=options.include_noindex)
    try:
        report = check_access(client, [timeline])
        if not report.ok:
            raise AccessDenied(report)
        instance = partition_value(instance_name or configured_instance(client.base_url))
        if partition_value(report.domain) != instance:
            log.warning("%s calls itself %r: its statuses go to the partition of the instance as configured, %r",
                        client.base_url, report.domain, instance)
        state_dir = layout.checkpoint_dir(instance, timeline.partition_name)
        checkpoint = CheckpointStore(fs, layout).load(state_dir)
        position = checkpoint.position if checkpoint else None
        writer = BatchWriter(
            fs, layout, instance=instance, timeline=timeline.partition_name, state_dir=state_dir,
            checkpoint=checkpoint, policy=policy, minimiser=minimiser, erased=load_erased(fs, layout, pseudonymiser),
            batch_size=options.batch_size,
            source={"kind": "api", "instance_url": client.base_url, "timeline": timeline.label,
                    "server_version": report.version, "server_domain": report.domain},
        )
        result = CollectResult(instance, timeline.label, "", position, position, access=report)
        if position is None and options.limit is not None:
            result.mode = "newest"
            newest = fetch_newest(client, timeline, options.limit, page_size=options.page_size)
            _write(writer, result, [list(reversed(newest))])
        else:
            result.mode = "catch-up" if position is not None else "from-start"
            pages = page_forward(client, timeline, position or "0", page_size=options.page_size, limit=options.limit)
            _write(writer, result, pages)
        writer.flush()
    except MastodonError as exc:
        raise refusal(instance_url, exc) from None
    totals = writer.totals
    result.position_after = writer.position
    result.written = totals.written
    result.skipped = dict(totals.skipped)
    result.redacted = dict(totals.redacted)
    result.batches = [m.data_path for m in totals.batches]
    result.pages = client.pages
    result.requests = client.requests
    result.retries = client.retries
    result.seconds = clock() - started
    log.info("%s %s: %d received, %d written, %s skipped, %d duplicates, %d batches in %.1fs",
             instance, timeline.label, result.received, result.written, result.skipped or "none",
             result.duplicates, len(result.batches), result.seconds)
    return result


def _write(writer: BatchWriter, result: CollectResult, pages: Iterator[list[Status]] | list[list[Status]]) -> None:
    seen: set[str] = set()
    for page in pages:
        for status in page:
            status_id = str(status.get("id")) if id_order(status.get("id")) is not None else None
            if status_id is not None and status_id in seen:
                result.duplicates += 1
                continue
            if status_id is not None:
                seen.add(status_id)
            result.received += 1
            writer.add_status(status, status_id)
