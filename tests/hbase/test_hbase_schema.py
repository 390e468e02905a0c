"""ensure_schema and the admin's command line (labctl/hbase/schema.py, admin.py), with fakes."""

from __future__ import annotations

import pytest
from fakehbase import FakeAdmin, FakeConnection

from labctl.hbase import admin, schema


def test_ensure_schema_creates_the_namespace_then_the_tables_then_shapes_them():
    connection, fake_admin = FakeConnection(), FakeAdmin()
    created = schema.ensure_schema(connection, admin=fake_admin)
    assert created == [f"mastodon:{spec.name}" for spec in schema.TABLES]
    operations = [op[0] for op in fake_admin.operations]
    assert operations == ["namespace"] + ["shape"] * len(schema.TABLES)
    rank = next(op for op in fake_admin.operations if op[:2] == ["shape", "mastodon:rank"])
    assert rank[2:4] == ["c=FAST_DIFF", "p=FAST_DIFF"]
    assert [bytes.fromhex(split) for split in rank[4:]] == list(schema.RANK.splits)


def test_ensure_schema_twice_creates_nothing_the_second_time():
    connection = FakeConnection()
    schema.ensure_schema(connection, admin=FakeAdmin())
    assert schema.ensure_schema(connection, admin=FakeAdmin()) == []


def test_every_family_option_is_given_since_thrift_defaults_differ_from_hbase():
    connection = FakeConnection()
    schema.ensure_schema(connection, admin=FakeAdmin())
    described = schema.describe(connection)
    assert described["rank"]["p"]["time_to_live"] == schema.PERSON_TTL_SECONDS == 30 * 86400
    assert described["rank"]["c"]["time_to_live"] == schema.FOREVER
    assert described["accounts"]["p"]["bloom_filter_type"] == b"ROW"
    assert described["rank"]["p"]["bloom_filter_type"] == b"NONE"
    assert described["terms"]["c"]["compression"] == b"ZSTD"
    assert described["reid"]["h"]["block_cache_enabled"] is False
    assert described["runs"]["r"]["in_memory"] is True
    assert all(family["max_versions"] == 1 for table in described.values() for family in table.values())


def test_a_table_that_differs_from_the_documented_schema_is_reported_not_altered():
    connection = FakeConnection()
    connection.create_table("mastodon:rank", {"c": {"compression": "GZ"}, "p": {}})
    with pytest.raises(schema.SchemaError) as raised:
        schema.ensure_schema(connection, admin=FakeAdmin())
    message = str(raised.value)
    assert "rank:c compression is b'GZ', expected b'ZSTD'" in message
    assert "rank:p time_to_live" in message
    assert connection.table("mastodon:rank").families_["c"]["compression"] == b"GZ"


def test_the_lab_namespace_is_never_dropped():
    with pytest.raises(ValueError, match="refusing"):
        schema.drop_namespace(schema.NAMESPACE, admin=FakeAdmin())
    fake_admin = FakeAdmin()
    schema.drop_namespace("smoke_x", admin=fake_admin)
    assert fake_admin.operations == [["drop-namespace", "smoke_x"]]


def test_admin_operations_are_separated_and_checked():
    assert admin.command_line([["namespace", "n"], ["flush", "n:t"]]) == ["namespace", "n", "--", "flush", "n:t"]
    for bad in ([[]], [["flush", ""]], [["flush", "--"]]):
        with pytest.raises(ValueError, match="invalid admin operation"):
            admin.command_line(bad)


def test_admin_results_ignore_hbase_logging():
    output = "2026-11-27 WARN something\nresult namespace\tmastodon\tcreated\n\tat x.y\nresult flush\tt\tdone\n"
    assert admin.parse_results(output) == [["namespace", "mastodon", "created"], ["flush", "t", "done"]]


def test_the_java_admin_knows_every_operation_python_sends():
    source = admin.SOURCE.read_text()
    for operation in ("namespace", "drop-namespace", "shape", "flush", "describe", "storefiles"):
        assert f'case "{operation}" ->' in source
