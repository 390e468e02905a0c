"""Dropped Thrift connections (`TTransportException: TSocket read 0 bytes`, as a busy machine
gives them): labctl.hbase.connection retries what is safe to repeat on a fresh connection and
says clearly what it may not repeat. Against a real Thrift server in process (thriftserver.py),
reached through happybase over TCP: the results must equal those of the same work done on the
fake HBase straight, with no drop."""

from __future__ import annotations

import socket

import pytest
from fakehbase import FakeAdmin, FakeConnection
from thriftserver import thrift_server
from thriftpy2.transport import TTransportException

from labctl.core.errors import LabError
from labctl.hbase import forget_account, loader, queries, runs
from labctl.hbase.connection import HBaseDropped, ResilientConnection, connect, open_thrift
from labctl.hbase.schema import ensure_schema

RUN = "run-20260105T100000Z"


@pytest.fixture
def server():
    with thrift_server() as running:
        yield running


@pytest.fixture
def waits():
    return []


@pytest.fixture
def hbase(server, waits):
    connection = ResilientConnection(open_thrift("127.0.0.1", server.port), where="test", sleep=waits.append)
    ensure_schema(connection, admin=FakeAdmin())
    yield connection
    connection.close()


@pytest.fixture
def expected(generated_document, pseudonymiser):
    """The same run loaded and published straight into the fake HBase: no Thrift, no drop."""
    straight = FakeConnection()
    ensure_schema(straight, admin=FakeAdmin())
    loader.load_run(straight, RUN, generated_document, pseudonymiser, batch_size=100)
    runs.publish_run(straight, RUN)
    return straight


def contents(store: FakeConnection) -> dict:
    """Every row, minus the run's timestamps (they differ from one load to another)."""
    snapshot = store.snapshot()
    for row in snapshot["mastodon:runs"].values():
        for column in (b"r:started_at", b"r:loaded_at", b"r:published_at"):
            row.pop(column, None)
    return snapshot


def test_the_server_drops_connections_as_the_lab_does(server):
    """Guards the fixture: a dropped call is the lab's error, seen by plain happybase."""
    import happybase

    server.drop("getTableNames", applied=True)
    with pytest.raises(TTransportException, match="TSocket read 0 bytes"):
        happybase.Connection("127.0.0.1", server.port).tables()


def test_a_load_survives_dropped_batches_and_scans(server, hbase, expected, generated_document, pseudonymiser, waits):
    # Batches lost before and after HBase applied them; a scan cut after its first rows.
    server.drop("mutateRows", applied=True, skip=3)
    server.drop("mutateRows", applied=False, skip=5)
    server.drop("scannerGetList", applied=True, skip=1)
    loader.load_run(hbase, RUN, generated_document, pseudonymiser, batch_size=100)
    runs.publish_run(hbase, RUN)
    assert server.handler.dropped.count("mutateRows") == 2 and hbase.retries >= 2
    assert contents(server.store) == contents(expected)
    assert waits and waits[0] == 0.5  # backoff before the new connection


def test_a_load_in_streams_over_thrift_survives_drops_and_closes_its_connections(server, hbase, expected, generated_document,
                                                                                 pseudonymiser, waits):
    opened = []

    def another():
        opened.append(hbase.another())
        return opened[-1]

    server.drop("mutateRows", applied=True, skip=2)
    server.drop("mutateRows", applied=False, skip=4)
    stats = loader.load_run(hbase, RUN, generated_document, pseudonymiser, batch_size=100, streams=3, open_connection=another)
    runs.publish_run(hbase, RUN)
    # A thread opens its connection with its first batch: most often both extra streams do.
    assert stats.streams == 3 and 1 <= len(opened) <= 2
    assert all(other is not hbase and other.where == hbase.where and other.attempts == hbase.attempts for other in opened)
    assert all(other._connection is None for other in opened)  # closed by the loader
    assert server.handler.dropped.count("mutateRows") == 2 and sum(c.retries for c in (hbase, *opened)) == 2
    assert contents(server.store) == contents(expected)
    assert len(waits) == 2 and waits[0] == 0.5  # the streams' retries back off as the given connection's do


@pytest.mark.parametrize("name", ["top-tags", "top-users", "engagement", "user-growth", "totals", "top-urls"])
def test_queries_give_the_same_answers_when_scans_are_cut(server, hbase, expected, name, generated_document, pseudonymiser):
    loader.load_run(hbase, RUN, generated_document, pseudonymiser, batch_size=100)
    runs.publish_run(hbase, RUN)
    # Cut the scan after its first batch of rows: it resumes after the last row it gave.
    server.drop("scannerGetList", applied=True, skip=1, times=2)
    server.drop("getRowWithColumns", applied=False)
    answer = queries.query(hbase, name, 25)
    assert answer == queries.query(expected, name, 25)
    assert hbase.retries >= 1


def test_a_cut_scan_yields_every_row_once_forward_and_backward(server, hbase):
    table = hbase.table("mastodon:rank")
    with table.batch() as batch:
        for n in range(50):
            batch.put(f"tags|r|{n:03d}".encode(), {b"c:v": str(n).encode()})
    for reverse in (False, True):
        server.drop("scannerGetList", applied=True, skip=2)
        keys = [key for key, _ in table.scan(row_prefix=b"tags|", batch_size=7, reverse=reverse)]
        assert keys == sorted((f"tags|r|{n:03d}".encode() for n in range(50)), reverse=reverse)
        server.drop("scannerGetList", applied=True, skip=1)
        limited = [key for key, _ in table.scan(row_prefix=b"tags|", batch_size=4, reverse=reverse, limit=10)]
        assert limited == keys[:10]


def test_the_latest_run_is_found_through_a_drop(server, hbase, generated_document, pseudonymiser):
    for run in ("run-20260105T100000Z", "run-20260105T110000Z"):
        loader.load_run(hbase, run, generated_document, pseudonymiser, batch_size=500)
        runs.publish_run(hbase, run)
    server.drop("scannerOpenWithScan", applied=True)
    assert runs.latest_run(hbase) == "run-20260105T110000Z"


def test_forgetting_an_account_through_drops_deletes_the_same_rows(server, hbase, expected, generated_document, pseudonymiser):
    loader.load_run(hbase, RUN, generated_document, pseudonymiser, batch_size=100)
    runs.publish_run(hbase, RUN)
    handle = sorted(set(generated_document["engagement"]) & set(generated_document["mentions"]))[0]
    server.drop("mutateRows", applied=True)
    server.drop("scannerGetList", applied=False)
    deleted = forget_account(hbase, handle, pseudonymiser=pseudonymiser)
    assert deleted == forget_account(expected, handle, pseudonymiser=pseudonymiser)
    assert contents(server.store) == contents(expected)


def test_a_table_created_before_the_drop_is_not_created_twice(server, hbase):
    before = server.handler.calls["createTable"]
    server.drop("createTable", applied=True)
    hbase.create_table("mastodon:extra", {"c": {}})  # AlreadyExists, were it sent again
    assert server.handler.calls["createTable"] == before + 1 and b"mastodon:extra" in hbase.tables()


def test_a_connection_that_keeps_dropping_is_a_clear_error(server, hbase, waits):
    server.drop("getRowWithColumns", applied=False, times=10)
    with pytest.raises(HBaseDropped, match=r"dropped 5 times during a get on mastodon:rank: .*TSocket read 0 bytes") as caught:
        hbase.table("mastodon:rank").row(b"totals|x|")
    assert "safe to run again" in caught.value.hint
    assert waits == [0.5, 1.0, 2.0, 4.0]


def test_what_is_not_safe_to_repeat_is_not_repeated_and_says_why(server, hbase):
    server.drop("deleteTable", applied=True)
    with pytest.raises(HBaseDropped, match="not retried, since HBase may have applied it already"):
        hbase.delete_table("mastodon:terms", disable=True)
    assert server.handler.calls["deleteTable"] == 1


def test_a_server_that_is_not_there_is_said_at_once(waits):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(LabError, match=f"cannot reach HBase's Thrift server at 127.0.0.1:{port}") as caught:
        connect(host="127.0.0.1", port=port, sleep=waits.append)
    assert "labctl status" in caught.value.hint and waits == [0.5]


def test_a_restarted_server_is_reached_again(server, waits):
    """The lab's Thrift server restarting: the first connection dies with it."""
    connection = connect(host="127.0.0.1", port=server.port, sleep=waits.append)
    ensure_schema(connection, admin=FakeAdmin())
    store = server.store
    server.close()
    with thrift_server(store) as restarted:
        connection._open = open_thrift("127.0.0.1", restarted.port)  # the same address, as compose gives it back
        assert b"mastodon:rank" in connection.tables()


def test_the_thrift_client_and_plain_attributes_are_the_current_connections(server, hbase):
    """A meter wraps `connection.client` (the course's grader counts the batches a student's
    load sends): it must be the Thrift client itself, and plain attributes are read, not
    turned into calls."""
    calls = []
    client = hbase.client
    original = client.getTableNames
    client.getTableNames = lambda: calls.append("getTableNames") or original()
    assert b"mastodon:runs" in hbase.tables()
    assert calls == ["getTableNames"]
    assert hbase.table_prefix is None
    assert hbase.table("mastodon:runs").name == "mastodon:runs"
    hbase.close()
    assert hbase.client is not client  # a new connection, a new client
