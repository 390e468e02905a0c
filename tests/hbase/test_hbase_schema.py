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
    assert operations == ["namespace"] + ["shape"] * len(schema.TABLES) + ["ttl"] * 3
    ttls = [op for op in fake_admin.operations if op[0] == "ttl"]
    assert ttls == [["ttl", "mastodon:rank", "p=2592000"], ["ttl", "mastodon:accounts", "p=2592000"],
                    ["ttl", "mastodon:reid", "h=2592000"]]
    rank = next(op for op in fake_admin.operations if op[:2] == ["shape", "mastodon:rank"])
    assert rank[2:4] == ["c=FAST_DIFF", "p=FAST_DIFF"]
    assert [bytes.fromhex(split) for split in rank[4:]] == list(schema.RANK.splits)


def test_ensure_schema_twice_creates_nothing_the_second_time():
    connection = FakeConnection()
    schema.ensure_schema(connection, admin=FakeAdmin())
    again = FakeAdmin()
    assert schema.ensure_schema(connection, admin=again) == []
    # Every table there: no namespace call (one JVM fewer per `labctl deploy`), still shaped.
    assert [op[0] for op in again.operations] == ["shape"] * len(schema.TABLES) + ["ttl"] * 3


def test_a_missing_table_brings_the_namespace_call_back():
    connection = FakeConnection()
    schema.ensure_schema(connection, admin=FakeAdmin())
    del connection.tables_[f"mastodon:{schema.RUNS.name}"]
    again = FakeAdmin()
    assert schema.ensure_schema(connection, admin=again) == [f"mastodon:{schema.RUNS.name}"]
    assert [op[0] for op in again.operations][0] == "namespace"


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


def test_the_per_person_ttl_follows_the_retention_setting():
    # 7 days, in seconds, computed here: 7 * 24 * 60 * 60.
    specs = schema.tables(7)
    with_ttl = {(spec.name, family.name): family.ttl for spec in specs for family in spec.families if family.ttl}
    assert with_ttl == {("rank", "p"): 604800, ("accounts", "p"): 604800, ("reid", "h"): 604800}
    assert {(s.name, f.name) for s, f in schema.person_families()} == set(with_ttl)
    connection, fake_admin = FakeConnection(), FakeAdmin()
    schema.ensure_schema(connection, admin=fake_admin, keep_days=7)
    assert schema.person_ttls(connection) == {"rank:p": 604800, "accounts:p": 604800, "reid:h": 604800}
    assert schema.describe(connection)["rank"]["c"]["time_to_live"] == schema.FOREVER
    with pytest.raises(ValueError, match="at least 1 day"):
        schema.tables(0)


class TtlAdmin(FakeAdmin):
    """Applies `ttl` operations to the fake tables, as SchemaAdmin.java does to HBase's."""

    def __init__(self, connection):
        super().__init__()
        self.connection = connection

    def run(self, *operations):
        for operation in operations:
            if operation[0] == "ttl":
                table = self.connection.table(operation[1])
                for arg in operation[2:]:
                    family, seconds = arg.split("=")
                    table.families_[family]["time_to_live"] = int(seconds)
        return super().run(*operations)


def test_a_changed_retention_alters_the_ttl_of_existing_tables_and_keeps_their_rows():
    connection = FakeConnection()
    schema.ensure_schema(connection, admin=FakeAdmin())
    connection.table("mastodon:accounts").put(b"row", {b"p:x": b"1"})
    assert schema.ensure_schema(connection, admin=TtlAdmin(connection), keep_days=90) == []
    assert set(schema.person_ttls(connection).values()) == {90 * 86400}
    assert connection.table("mastodon:accounts").data[b"row"] == {b"p:x": b"1"}


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
    for operation in ("namespace", "drop-namespace", "shape", "ttl", "flush", "describe", "storefiles"):
        assert f'case "{operation}" ->' in source
