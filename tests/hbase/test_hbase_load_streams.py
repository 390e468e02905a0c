"""Loads written by several Thrift connections at once (labctl/hbase/loader.py, `streams`):
every row once, a connection per thread closed at the end, an error in any stream fails the
load and leaves the run `loading`, one stream is the load as it always was."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from fakehbase import FakeConnection

from labctl.core.errors import LabError
from labctl.core.manifest import Manifest
from labctl.hbase import loader, runs
from labctl.hbase.schema import RUNS

RUN = "run-20260105T100000Z"
BATCH = 100


class StreamConnection:
    """A second connection to the same fake HBase: its own object, as happybase's would be,
    recording which threads used it and whether it was closed."""

    def __init__(self, store: FakeConnection, lock: threading.Lock, fail_on: int | None = None, barrier: threading.Barrier | None = None):
        self.store, self.lock, self.fail_on, self.barrier = store, lock, fail_on, barrier
        self.threads: set[int] = set()
        self.batches = 0
        self.closed = False
        self.before_first_batch = lambda: None

    def table(self, name: str) -> StreamTable:
        if self.closed:
            raise AssertionError("a closed connection was used")
        self.threads.add(threading.get_ident())
        return StreamTable(self, self.store.table(name))

    def close(self) -> None:
        self.closed = True


class StreamTable:
    def __init__(self, connection: StreamConnection, table):
        self.connection, self.table = connection, table

    def batch(self):
        return StreamBatch(self)


class StreamBatch:
    def __init__(self, table: StreamTable):
        self.table, self.operations = table, []

    def put(self, key, data) -> None:
        self.operations.append((key, data))

    def __enter__(self) -> StreamBatch:
        return self

    def __exit__(self, kind, *rest) -> None:
        if kind is not None:
            return
        connection = self.table.connection
        connection.batches += 1
        if connection.batches == 1:
            connection.before_first_batch()
        if connection.barrier is not None and connection.batches == 1:
            connection.barrier.wait()  # each stream's first batch waits here for the others': all in flight at once
        if connection.fail_on == connection.batches:
            raise ConnectionResetError("Connection reset by peer (the Thrift server went away)")
        with connection.lock:  # the fake's dicts are shared by the threads
            with self.table.table.batch() as batch:
                for key, data in self.operations:
                    batch.put(key, data)


class Opener:
    """`open_connection` for the loader: counts what it opened."""

    def __init__(self, store: FakeConnection, **options):
        self.store, self.options = store, options
        self.lock = threading.Lock()
        self.opened: list[StreamConnection] = []

    def __call__(self) -> StreamConnection:
        connection = StreamConnection(self.store, self.lock, **self.options)
        self.opened.append(connection)
        return connection


def written_keys(store: FakeConnection, batches_before: dict[str, int]) -> Counter:
    """Every row key put by a batch since `batches_before`, counted (deletes left out)."""
    counted: Counter = Counter()
    for name, table in store.tables_.items():
        for batch in table.batches[batches_before.get(name, 0):]:
            counted.update((name, key) for operation, key in batch if operation == "put")
    return counted


def one_stream_load(generated_document, pseudonymiser) -> FakeConnection:
    from fakehbase import FakeAdmin

    from labctl.hbase.schema import ensure_schema

    straight = FakeConnection()
    ensure_schema(straight, admin=FakeAdmin())
    loader.load_run(straight, RUN, generated_document, pseudonymiser, batch_size=BATCH)
    return straight


def without_run_times(snapshot: dict) -> dict:
    for row in snapshot[RUNS.full_name("mastodon")].values():
        for column in (b"r:started_at", b"r:loaded_at"):
            row.pop(column, None)
    return snapshot


class GivenConnection(StreamConnection):
    """The caller's connection: the run marks and deletes (from the test's thread) go straight
    to the fake, the batches of the thread it is handed to as a stream's."""

    def __init__(self, store: FakeConnection, lock: threading.Lock, barrier: threading.Barrier | None = None):
        super().__init__(store, lock, barrier=barrier)
        self.main = threading.get_ident()

    def table(self, name: str):
        if threading.get_ident() == self.main:
            return self.store.table(name)
        return super().table(name)


def streams_of(store: FakeConnection, streams: int, *, meet: bool = False, **options) -> tuple[GivenConnection, Opener]:
    """The caller's connection and the opener of the others, sharing one lock over the fake;
    `meet`: the first batch of each stream waits for the others', so a load with fewer
    batches in flight than streams breaks the barrier and fails."""
    barrier = threading.Barrier(streams, timeout=10) if meet else None
    opener = Opener(store, barrier=barrier, **options)
    return GivenConnection(store, opener.lock, barrier), opener


@pytest.mark.parametrize("streams", [2, 4])
def test_every_row_is_written_once_across_the_streams(connection, generated_document, pseudonymiser, streams):
    given, opener = streams_of(connection, streams)
    before = {name: len(table.batches) for name, table in connection.tables_.items()}
    stats = loader.load_run(given, RUN, generated_document, pseudonymiser, batch_size=BATCH,
                            streams=streams, open_connection=opener)
    expected = loader.run_rows(RUN, generated_document, pseudonymiser)
    wanted = Counter((spec.full_name("mastodon"), key) for spec, rows in expected.by_table() for key, _ in rows)
    assert written_keys(connection, before) == wanted  # each key once, none missing
    assert stats.rows == {spec.name: len(rows) for spec, rows in expected.by_table()}
    assert (stats.streams, stats.deleted, stats.skipped) == (streams, 0, expected.skipped)
    assert without_run_times(connection.snapshot()) == without_run_times(one_stream_load(generated_document, pseudonymiser).snapshot())
    assert runs.run_info(connection, RUN)["status"] == runs.LOADED


def test_each_stream_has_a_connection_of_its_own_closed_at_the_end(connection, generated_document, pseudonymiser):
    streams = 3
    given, opener = streams_of(connection, streams, meet=True)
    loader.load_run(given, RUN, generated_document, pseudonymiser, batch_size=BATCH, streams=streams, open_connection=opener)
    writers = [given, *opener.opened]
    assert len(opener.opened) == streams - 1  # the caller's connection is the first stream
    assert all(stream.closed for stream in opener.opened) and not given.closed  # the caller closes its own
    assert all(len(stream.threads) == 1 and stream.batches > 0 for stream in writers)
    assert len({thread for stream in writers for thread in stream.threads}) == streams
    assert given.main not in given.threads


def test_a_load_again_with_streams_deletes_and_writes_as_one_stream_does(connection, generated_document, pseudonymiser):
    loader.load_run(connection, RUN, generated_document, pseudonymiser, batch_size=BATCH)
    given, opener = streams_of(connection, 2)
    stats = loader.load_run(given, RUN, generated_document, pseudonymiser, batch_size=BATCH, streams=2, open_connection=opener)
    assert stats.deleted == sum(len(rows) for spec, rows in loader.run_rows(RUN, generated_document, pseudonymiser).by_table()
                                if spec.name != "reid")
    assert without_run_times(connection.snapshot()) == without_run_times(one_stream_load(generated_document, pseudonymiser).snapshot())


def test_an_error_in_one_stream_fails_the_load_and_the_run_is_not_loaded(connection, generated_document, pseudonymiser):
    # Each extra stream's first batch is lost, once all three streams have one in flight.
    given, opener = streams_of(connection, 3, meet=True, fail_on=1)
    with pytest.raises(ConnectionResetError, match="reset by peer"):
        loader.load_run(given, RUN, generated_document, pseudonymiser, batch_size=BATCH, streams=3, open_connection=opener)
    assert runs.run_info(connection, RUN)["status"] == runs.LOADING
    assert len(opener.opened) == 2 and all(stream.closed for stream in opener.opened)
    assert given.batches >= 1  # the healthy stream wrote: a partial load, left `loading`
    loader.load_run(connection, RUN, generated_document, pseudonymiser, batch_size=BATCH)  # loading again mends it
    assert without_run_times(connection.snapshot()) == without_run_times(one_stream_load(generated_document, pseudonymiser).snapshot())


def test_a_connection_that_cannot_be_opened_fails_the_load(connection, generated_document, pseudonymiser):
    asked = threading.Event()

    def refused():
        asked.set()
        raise LabError("cannot reach HBase's Thrift server")

    given, _ = streams_of(connection, 2)
    # The first stream's first batch waits until the second stream has tried to open its
    # connection: without it, the first could take every batch and the second never open.
    given.before_first_batch = lambda: asked.wait(10)
    with pytest.raises(LabError, match="cannot reach"):
        loader.load_run(given, RUN, generated_document, pseudonymiser, batch_size=BATCH, streams=2, open_connection=refused)
    assert runs.run_info(connection, RUN)["status"] == runs.LOADING


def test_one_stream_uses_only_the_given_connection_as_before(connection, generated_document, pseudonymiser):
    def never():
        raise AssertionError("one stream opened a connection")

    before = {name: len(table.batches) for name, table in connection.tables_.items()}
    stats = loader.load_run(connection, RUN, generated_document, pseudonymiser, batch_size=BATCH, streams=1, open_connection=never)
    by_one = [(name, batch) for name, table in connection.tables_.items() for batch in table.batches[before[name]:]]
    plain = one_stream_load(generated_document, pseudonymiser)
    # The same batches, table by table, in the same order as a load that never heard of streams.
    assert by_one == [(name, batch) for name, table in plain.tables_.items() for batch in table.batches]
    assert stats.streams == 1


def test_without_a_way_to_open_connections_a_load_has_one_stream(connection, generated_document, pseudonymiser, monkeypatch):
    monkeypatch.setenv(loader.STREAMS_KEY, "4")
    assert loader.load_run(connection, RUN, generated_document, pseudonymiser).streams == 1
    with pytest.raises(ValueError, match="open_connection"):
        loader.load_run(connection, RUN, generated_document, pseudonymiser, streams=2)


def test_the_manifest_gives_the_default(connection, generated_document, pseudonymiser, monkeypatch):
    monkeypatch.setenv(loader.STREAMS_KEY, "3")
    given, opener = streams_of(connection, 3)
    stats = loader.load_run(given, RUN, generated_document, pseudonymiser, batch_size=BATCH, open_connection=opener)
    assert stats.streams == 3 and len(opener.opened) <= 2


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_streams_value_in_the_manifest_is_refused(value):
    with pytest.raises(LabError, match=loader.STREAMS_KEY):
        loader.default_streams(Manifest(environ={loader.STREAMS_KEY: value}))


def test_the_manifest_documents_the_streams():
    assert loader.default_streams(Manifest(environ={})) >= 1
    text = Manifest().path.read_text()
    assert f"\n{loader.STREAMS_KEY}=" in text and "thread-safe" in text


@pytest.mark.parametrize("streams", [0, -2, True, 1.5])
def test_a_bad_streams_argument_is_refused(connection, generated_document, pseudonymiser, streams):
    with pytest.raises(ValueError, match="streams"):
        loader.load_run(connection, RUN, generated_document, pseudonymiser, streams=streams, open_connection=lambda: connection)
    assert runs.run_info(connection, RUN) is None  # refused before anything was written
