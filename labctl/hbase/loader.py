"""Load one run's metric document into HBase with batched mutations.

`run_rows` turns the document (docs/metrics.md) into rows, with every handle replaced by its
pseudonym: a pure function, so the tests and the benchmark build exactly what is loaded.
`load_run` deletes whatever an earlier load of the same run left, writes the rows in batches
of `batch_size` rows (one Thrift `mutateRows` call each) and marks the run loaded; queries
only see it once `publish_run` is called. Several batches can be in flight, each stream a
thread with a Thrift connection of its own (HBASE_LOAD_STREAMS in stack/lab.env).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from labctl.core.errors import LabError
from labctl.core.manifest import Manifest
from labctl.governance.pseudonym import Pseudonymiser
from labctl.hbase import keys, runs
from labctl.hbase.schema import (
    ACCOUNTS,
    NAMESPACE,
    RANK,
    RANK_SECTIONS,
    REID,
    TERM_SECTIONS,
    TERMS,
    TableSpec,
    rank_column,
)

# Measured on the lab (docs/benchmarks.md): rows/s stop improving past about 2,000 rows per
# call, and the Thrift server's memory per call grows with it.
DEFAULT_BATCH_SIZE = 2000
STREAMS_KEY = "HBASE_LOAD_STREAMS"
CONTRACT_SECTIONS = (
    "totals", "followers", "engagement", "user_growth", *TERM_SECTIONS, "mentions",
    "instances", "language_by_region", "media_engagement",
)  # fmt: skip
MEDIA_PARTS = ("with_media", "without_media", "by_type")
# Keys only, one cell per row: what deleting needs to read.
KEYS_ONLY = "KeyOnlyFilter() AND FirstKeyOnlyFilter()"

Row = tuple[bytes, dict[bytes, bytes]]


class MetricsDocumentError(ValueError):
    """The document handed to the loader is not the contract's metric document."""


@dataclass
class RunRows:
    rank: list[Row] = field(default_factory=list)
    accounts: list[Row] = field(default_factory=list)
    terms: list[Row] = field(default_factory=list)
    reid: list[Row] = field(default_factory=list)
    # (section, entity, reason) of entries that cannot be stored, e.g. a key over HBase's limit;
    # an account is named by its pseudonym.
    skipped: list[tuple[str, str, str]] = field(default_factory=list)

    def by_table(self) -> list[tuple[TableSpec, list[Row]]]:
        return [(RANK, self.rank), (ACCOUNTS, self.accounts), (TERMS, self.terms), (REID, self.reid)]


@dataclass
class LoadStats:
    run_id: str
    rows: dict[str, int]
    deleted: int
    skipped: list[tuple[str, str, str]]
    seconds: float
    batch_size: int
    method: str = "thrift-batches"
    streams: int = 1  # Thrift connections that wrote at once

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable (for an Airflow XCom)."""
        return {**asdict(self), "skipped": [list(entry) for entry in self.skipped], "rows_per_second": round(self.rows_per_second)}


def value(data: Any) -> bytes:
    return keys.encode(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def check_document(metrics: Any) -> None:
    if not isinstance(metrics, dict):
        raise MetricsDocumentError(f"the metric document must be a JSON object, got {type(metrics).__name__}")
    missing = [section for section in CONTRACT_SECTIONS if section not in metrics]
    if missing:
        raise MetricsDocumentError(f"the metric document has no {', '.join(missing)} (see docs/metrics.md)")
    wrong = [section for section in CONTRACT_SECTIONS if not isinstance(metrics[section], dict)]
    media = metrics["media_engagement"]
    wrong += [f"media_engagement.{part}" for part in MEDIA_PARTS if not isinstance(media.get(part), dict)]
    wrong += [f"language_by_region.{region}" for region, entry in metrics["language_by_region"].items() if not isinstance(entry, dict)]
    if wrong:
        raise MetricsDocumentError(f"sections {', '.join(wrong)} of the metric document are not objects")


def run_rows(run_id: str, metrics: dict[str, Any], pseudonymiser: Pseudonymiser) -> RunRows:
    """Every row of one run, handles pseudonymised. Entries that cannot be keyed are skipped and listed."""
    keys.check_run_id(run_id)
    check_document(metrics)
    rows = RunRows()
    accounts: dict[str, dict[bytes, bytes]] = {}
    handles: dict[str, str] = {}

    def person(section: str, handle: str) -> str | None:
        pseudonym = pseudonymiser.pseudonym(handle)
        if handles.setdefault(pseudonym, handle) != handle:
            # Listed by pseudonym: what the loader reports reaches logs and XCom, never a handle.
            rows.skipped.append((section, pseudonym, "pseudonym collides with another account's"))
            return None
        return pseudonym

    def add(section: str, entity: str, build: Iterable[tuple[list[Row], Row]]) -> None:
        try:
            made = list(build)
        except (keys.KeyEncodingError, TypeError, KeyError) as error:
            rows.skipped.append((section, entity, f"{type(error).__name__}: {error}"))
            return
        for target, row in made:
            target.append(row)

    def followers_rows(pseudonym: str, entry: dict) -> Iterator[tuple[list[Row], Row]]:
        yield rows.rank, (keys.rank_key("followers", run_id, keys.desc_int(entry["followers"]), pseudonym), {b"p:v": value(entry)})
        accounts.setdefault(pseudonym, {})[b"p:followers"] = value(entry)

    def engagement_rows(pseudonym: str, entry: dict) -> Iterator[tuple[list[Row], Row]]:
        by_interactions = keys.rank_key("engagement", run_id, keys.desc_int(entry["interactions"]), pseudonym)
        by_rate = keys.rank_key("engagement_rate", run_id, keys.desc_float(entry["engagement_rate"]), pseudonym)
        yield rows.rank, (by_interactions, {b"p:v": value(entry)})
        yield rows.rank, (by_rate, {b"p:v": value(entry)})
        accounts.setdefault(pseudonym, {})[b"p:engagement"] = value(entry)

    def mention_rows(pseudonym: str, count: int) -> Iterator[tuple[list[Row], Row]]:
        yield rows.rank, (keys.rank_key("mentions", run_id, keys.desc_int(count), pseudonym), {b"p:v": value(count)})
        accounts.setdefault(pseudonym, {})[b"p:mentions"] = value(count)

    def term_rows(section: str, name: str, count: int) -> Iterator[tuple[list[Row], Row]]:
        ranked = keys.rank_key(section, run_id, keys.desc_int(count), name)
        looked_up = keys.term_key(run_id, section, name)
        yield rows.rank, (ranked, {b"c:v": value(count)})
        yield rows.terms, (looked_up, {b"c:v": value(count)})

    def ranked_rows(section: str, name: str, entry: Any, count: Callable[[Any], int]) -> Iterator[tuple[list[Row], Row]]:
        yield rows.rank, (keys.rank_key(section, run_id, keys.desc_int(count(entry)), name), {rank_column(section): value(entry)})

    def region_language_rows(region: str, language: str, count: int) -> Iterator[tuple[list[Row], Row]]:
        key = keys.group_rank_key("language_by_region", run_id, region, keys.desc_int(count), language)
        yield rows.rank, (key, {rank_column("language_by_region"): value(count)})

    for section, builder in (("followers", followers_rows), ("engagement", engagement_rows), ("mentions", mention_rows)):
        for handle, entry in metrics[section].items():
            pseudonym = person(section, handle)
            if pseudonym is not None:
                add(section, pseudonym, builder(pseudonym, entry))
    for section in TERM_SECTIONS:
        for name, count in metrics[section].items():
            add(section, name, term_rows(section, name, count))
    for name, count in metrics["instances"].items():
        add("instances", name, ranked_rows("instances", name, count, lambda n: n))
    for region, languages in metrics["language_by_region"].items():
        for language, count in languages.items():
            add("language_by_region", f"{region}{keys.SEP}{language}", region_language_rows(region, language, count))
    media = metrics["media_engagement"]
    groups = {group: media[group] for group in ("with_media", "without_media")}
    rows.rank.append((keys.rank_key("media_engagement", run_id, "", ""), {rank_column("media_engagement"): value(groups)}))
    for name, entry in media["by_type"].items():
        add("media_engagement_by_type", name, ranked_rows("media_engagement_by_type", name, entry, lambda e: e["statuses"]))
    for month, entry in metrics["user_growth"].items():
        add("user_growth", month, [(rows.rank, (keys.rank_key("user_growth", run_id, "", month), {b"c:v": value(entry)}))])
    rows.rank.append((keys.rank_key("totals", run_id, "", ""), {b"c:v": value(metrics["totals"])}))
    rows.accounts = [(keys.account_key(run_id, pseudonym), data) for pseudonym, data in accounts.items()]
    rows.reid = [(keys.encode(pseudonym), {b"h:handle": keys.encode(handle)}) for pseudonym, handle in handles.items()]
    return rows


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write(table, rows: Sequence[Row], batch_size: int) -> int:
    """One `mutateRows` round trip per `batch_size` rows (happybase sends a batch on exit)."""
    for chunk in chunks(rows, batch_size):
        with table.batch() as batch:
            for key, data in chunk:
                batch.put(key, data)
    return len(rows)


def delete_keys(table, row_keys: Sequence[bytes], batch_size: int) -> int:
    for chunk in chunks(row_keys, batch_size):
        with table.batch() as batch:
            for key in chunk:
                batch.delete(key)
    return len(row_keys)


def run_prefixes(run_id: str) -> list[tuple[TableSpec, list[bytes]]]:
    """Where a run's rows are: a prefix per rank section, a prefix per salt bucket elsewhere."""
    return [
        (RANK, [keys.rank_prefix(section, run_id) for section in RANK_SECTIONS]),
        (ACCOUNTS, keys.bucket_prefixes(run_id)),
        (TERMS, keys.bucket_prefixes(run_id)),
    ]


def delete_run_rows(connection, run_id: str, *, namespace: str = NAMESPACE, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Remove every row of a run (the re-identification table is shared by all runs and kept)."""
    keys.check_run_id(run_id)
    deleted = 0
    for spec, prefixes in run_prefixes(run_id):
        table = connection.table(spec.full_name(namespace))
        found = [key for prefix in prefixes for key, _ in table.scan(row_prefix=prefix, filter=KEYS_ONLY, batch_size=batch_size)]
        deleted += delete_keys(table, found, batch_size)
    return deleted


# Writes one table's rows of a run; returns the rows it had to leave out as (entity, reason).
TableWriter = Callable[[TableSpec, list[Row]], list[tuple[str, str]]]


def default_streams(manifest: Manifest | None = None) -> int:
    """How many Thrift connections a load writes with: HBASE_LOAD_STREAMS (stack/lab.env, the
    environment overrides it)."""
    # An Airflow container started before the key existed mounts the manifest it had: one
    # stream, as loads were then.
    raw = (manifest or Manifest()).values.get(STREAMS_KEY) or "1"
    if not raw.strip().isdigit() or int(raw) < 1:
        raise LabError(f"{STREAMS_KEY}={raw!r}: it must be a whole number, at least 1",
                       hint="stack/lab.env says what it is for; 1 loads on one connection")
    return int(raw)


def stream_count(streams: int | None, open_connection: Callable[[], Any] | None, writer: TableWriter | None) -> int:
    """The streams a load gets: one without a way to open more connections or with a writer of
    its own (which writes table by table), else as asked, else the manifest's."""
    if streams is not None and (isinstance(streams, bool) or not isinstance(streams, int) or streams < 1):
        raise ValueError(f"streams must be a whole number, at least 1, got {streams!r}")
    if writer is not None or open_connection is None:
        if streams is not None and streams > 1:
            raise ValueError("several streams need open_connection, and apply to Thrift batches only (no writer)")
        return 1
    return streams if streams is not None else default_streams()


class StreamConnections:
    """Each writing thread's connection: the caller's for the first thread that asks, a new one
    from `open_connection` for each other, opened when the thread first needs it."""

    def __init__(self, first, open_connection: Callable[[], Any]):
        self._free, self._open = [first], open_connection
        self._lock, self._local = threading.Lock(), threading.local()
        self.opened: list[Any] = []

    def current(self):
        found = getattr(self._local, "connection", None)
        if found is None:
            with self._lock:
                found = self._free.pop() if self._free else None
            if found is None:
                found = self._open()
                with self._lock:
                    self.opened.append(found)
            self._local.connection = found
        return found

    def close(self) -> None:
        with ExitStack() as closing:  # every one closed, even if one fails
            for connection in self.opened:
                closing.callback(connection.close)


def write_streams(connection, open_connection: Callable[[], Any], streams: int, tables: Sequence[tuple[TableSpec, list[Row]]],
                  namespace: str, batch_size: int) -> None:
    """Every table's rows in batches of `batch_size`, all tables' batches in one queue,
    `streams` of them in flight. The first error stops the load: batches not started are
    cancelled, those in flight finish, then it is raised."""
    handed = StreamConnections(connection, open_connection)

    def send(spec: TableSpec, chunk: Sequence[Row]) -> None:
        write(handed.current().table(spec.full_name(namespace)), chunk, batch_size)

    with ExitStack() as stack:
        stack.callback(handed.close)  # last: no thread uses a connection any more
        pool = ThreadPoolExecutor(max_workers=streams, thread_name_prefix="hbase-load")
        stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        futures = [pool.submit(send, spec, chunk) for spec, table_rows in tables for chunk in chunks(table_rows, batch_size)]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            future.result()


def load_run(
    connection,
    run_id: str,
    metrics: dict[str, Any],
    pseudonymiser: Pseudonymiser,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    namespace: str = NAMESPACE,
    writer: TableWriter | None = None,
    method: str = "thrift-batches",
    streams: int | None = None,
    open_connection: Callable[[], Any] | None = None,
) -> LoadStats:
    """Load (or load again: the result is the same) one run; it stays unpublished.

    `writer` replaces the Thrift batches (labctl.hbase.bulk passes its HFile writer).
    `streams` connections write at once: `connection` and up to streams - 1 more from
    `open_connection` (`ResilientConnection.another`), one per thread since a happybase
    connection is not thread-safe, closed at the end. Without `open_connection`, one stream;
    with it and no `streams`, HBASE_LOAD_STREAMS. The run is marked loaded only once every
    stream has written all it had; an error in any stream is raised and leaves it `loading`.
    """
    count = stream_count(streams, open_connection, writer)
    rows = run_rows(run_id, metrics, pseudonymiser)  # a bad document fails before any write
    runs.mark_loading(connection, run_id, namespace=namespace)
    deleted = delete_run_rows(connection, run_id, namespace=namespace, batch_size=batch_size)

    def thrift_batches(spec: TableSpec, table_rows: list[Row]) -> list[tuple[str, str]]:
        write(connection.table(spec.full_name(namespace)), table_rows, batch_size)
        return []

    written: dict[str, int] = {}
    skipped = list(rows.skipped)
    started = time.perf_counter()
    if count > 1:
        write_streams(connection, open_connection, count, rows.by_table(), namespace, batch_size)
        written = {spec.name: len(table_rows) for spec, table_rows in rows.by_table()}
    else:
        for spec, table_rows in rows.by_table():
            left_out = (writer or thrift_batches)(spec, table_rows)
            skipped += [(spec.name, entity, reason) for entity, reason in left_out]
            written[spec.name] = len(table_rows) - len(left_out)
    seconds = time.perf_counter() - started
    runs.mark_loaded(connection, run_id, written, namespace=namespace)
    return LoadStats(run_id, written, deleted, skipped, seconds, batch_size, method, count)
