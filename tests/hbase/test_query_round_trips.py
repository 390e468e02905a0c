"""Thrift round trips per query, counted by a real Thrift server in process (thriftserver.py):
a top-10 is the lookup of the latest run and one scan, each opened, read in one page and
closed; a scan whose rows run out before its limit ends on its short page instead of asking
for an empty one (labctl.core.thrift.paged_scan). The answers stay those of the fake HBase."""

from __future__ import annotations

from collections import Counter

import happybase
import pytest
from fakehbase import FakeAdmin, FakeConnection
from thriftserver import thrift_server

from labctl.core.thrift import paged_scan
from labctl.hbase import loader, queries, runs
from labctl.hbase.connection import ResilientConnection, open_thrift
from labctl.hbase.schema import RANK, ensure_schema

RUN = "run-20260105T100000Z"
SCAN = ("scannerOpenWithScan", "scannerGetList", "scannerClose")


@pytest.fixture(scope="module")
def lab(generated_document):
    """A loaded, published run behind the Thrift server, and the same straight in the fake."""
    from labctl.governance.pseudonym import Pseudonymiser

    pseudonymiser = Pseudonymiser(b"unit-test-key-0123456789abcdef")
    with thrift_server() as server:
        hbase = ResilientConnection(open_thrift("127.0.0.1", server.port), where="test")
        straight = FakeConnection()
        for connection in (hbase, straight):
            ensure_schema(connection, admin=FakeAdmin())
            loader.load_run(connection, RUN, generated_document, pseudonymiser)
            runs.publish_run(connection, RUN)
        yield server, hbase, straight
        hbase.close()


def round_trips(server, call) -> tuple[object, Counter]:
    before = Counter(server.handler.calls)
    answer = call()
    return answer, Counter(server.handler.calls) - before


def sections(document: dict) -> dict[str, int]:
    return {name: len(document[section]) for name, section in queries.TOP_QUERIES.items()}


@pytest.mark.parametrize("name", [name for name in queries.TOP_QUERIES if name not in ("languages", "media")])
def test_a_top_ten_is_six_round_trips(lab, name):
    server, hbase, straight = lab
    answer, calls = round_trips(server, lambda: queries.query(hbase, name, 10))
    assert answer == queries.query(straight, name, 10)
    # The latest run (a reversed scan of one row) and the list: each opened, one page, closed.
    assert calls == Counter({method: 2 for method in SCAN})


@pytest.mark.parametrize("name", queries.QUERY_NAMES)
@pytest.mark.parametrize("limit", [1, 10, None])
def test_every_scan_of_a_query_is_one_page_and_closed(lab, name, limit):
    server, hbase, straight = lab
    answer, calls = round_trips(server, lambda: queries.query(hbase, name, limit))
    assert answer == queries.query(straight, name, limit)
    # No section of the generated run passes 1,000 rows, a page of an unlimited scan.
    assert calls["scannerGetList"] == calls["scannerOpenWithScan"] == calls["scannerClose"] >= 1
    assert set(calls) <= {*SCAN, "getRowWithColumns"}


def test_a_section_shorter_than_its_limit_is_read_without_an_empty_page(lab, generated_document):
    server, hbase, straight = lab
    tags = len(generated_document["tags"])
    answer, calls = round_trips(server, lambda: queries.query(hbase, "top-tags", tags + 5))
    assert len(answer["tags"]) == tags and answer == queries.query(straight, "top-tags", tags + 5)
    assert calls == Counter({method: 2 for method in SCAN})


def test_happybase_alone_would_ask_for_an_empty_page(lab):
    """Guards the saving: the same short scan through happybase's own loop costs one more call."""
    server, _, _ = lab
    plain = happybase.Connection("127.0.0.1", server.port)
    try:
        table = plain.table(RANK.full_name())
        prefix = b"tags|"
        ours, by_us = round_trips(server, lambda: list(paged_scan(
            table, row_start=prefix, row_stop=b"tags}", limit=100_000, reverse=False, batch_size=100_000)))
        theirs, by_happybase = round_trips(server, lambda: list(table.scan(row_prefix=prefix, limit=100_000, batch_size=100_000)))
    finally:
        plain.close()
    assert ours == theirs and ours
    assert by_us["scannerGetList"] == 1 and by_happybase["scannerGetList"] == 2


@pytest.mark.parametrize("batch_size", [1, 3, 7])
@pytest.mark.parametrize("limit", [None, 5, 6])
@pytest.mark.parametrize("reverse", [False, True])
def test_pages_that_end_on_the_last_row_still_give_every_row(lab, batch_size, limit, reverse):
    server, hbase, straight = lab
    table = hbase.table(RANK.full_name())
    prefix = b"totals|"  # one row per run: pages of 1 end exactly on it
    for scanned_prefix in (prefix, b"followers|"):
        got = list(table.scan(row_prefix=scanned_prefix, batch_size=batch_size, limit=limit, reverse=reverse))
        want = list(straight.table(RANK.full_name()).scan(row_prefix=scanned_prefix, limit=limit, reverse=reverse))
        assert got == want and got


def test_options_it_does_not_send_go_to_happybase(lab):
    server, _, _ = lab
    plain = happybase.Connection("127.0.0.1", server.port)
    try:
        table = plain.table(RANK.full_name())
        rows = list(paged_scan(table, row_start=b"totals|", row_stop=b"totals}", limit=None, reverse=False, include_timestamp=True))
    finally:
        plain.close()
    assert rows and all(isinstance(cell, tuple) for _, row in rows for cell in row.values())  # (value, timestamp)
