"""Bulk load (labctl/hbase/bulk.py) without a cluster: the TSV ImportTsv reads, and the run's marks."""

from __future__ import annotations

from fakehbase import FakeConnection

from labctl.hbase import bulk, loader, runs
from labctl.hbase.schema import ACCOUNTS, RANK


def test_tsv_has_a_column_per_qualifier_and_empty_fields_for_missing_ones():
    rows = [(b"k1", {b"p:followers": b"{}", b"p:mentions": b"3"}), (b"k2", {b"p:mentions": b"1"})]
    columns, content, left_out = bulk.tsv(rows)
    assert columns == ["p:followers", "p:mentions"]
    assert content == b"k1\x1f{}\x1f3\nk2\x1f\x1f1\n"
    assert left_out == []


def test_rows_that_would_break_the_tsv_are_left_out_and_named():
    rows = [(b"ok", {b"c:v": b"1"}), (b"bad\nkey", {b"c:v": b"1"}), (b"sep", {b"c:v": b"a\x1fb"})]
    columns, content, left_out = bulk.tsv(rows)
    assert content == b"ok\x1f1\n"
    assert [entity for entity, _ in left_out] == ["bad\nkey", "sep"]


class Recorder:
    """Stands for the container: applies what ImportTsv and the bulk load would write."""

    def __init__(self, connection: FakeConnection):
        self.connection, self.calls = connection, []

    def __call__(self, argv: list[str], stdin: bytes) -> tuple[int, str]:
        table, columns = argv[3], argv[4].split(",")
        self.calls.append(table)
        for line in stdin.splitlines():
            key, *values = line.split(b"\x1f")
            data = {column.encode(): value for column, value in zip(columns, values) if value}
            self.connection.table(table)._put(key, data)
        return 0, ""


def test_bulk_load_gives_the_contents_of_a_thrift_load(connection, pseudonymiser, generated_document):
    loader.load_run(connection, "r1", generated_document, pseudonymiser)
    by_thrift = connection.snapshot()
    recorder = Recorder(connection)
    stats = bulk.bulk_load_run(connection, "r1", generated_document, pseudonymiser, runner=recorder)
    assert connection.snapshot()[RANK.full_name()] == by_thrift[RANK.full_name()]
    assert connection.snapshot()[ACCOUNTS.full_name()] == by_thrift[ACCOUNTS.full_name()]
    assert recorder.calls == ["mastodon:rank", "mastodon:accounts", "mastodon:terms", "mastodon:reid"]
    assert stats.method == "bulk-load" and stats.deleted > 0
    assert runs.run_info(connection, "r1")["status"] == runs.LOADED
