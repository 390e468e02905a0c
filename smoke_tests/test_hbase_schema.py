"""The HBase layer on the real lab: schema as documented, loads, queries, bounded scans, erasure.

Everything happens in a namespace of its own (`smoke_<random>`), dropped at the end, so the
lab's `mastodon` tables are never touched. The expected answers come from the oracle
(labctl/oracle/metrics.py) on the recorded data, re-keyed by pseudonym (labctl/oracle/answers.py).
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from labctl.oracle.answers import LIST_QUERIES, expected_answer, pseudonymised
from typer.testing import CliRunner

import labctl.commands.query as query_command
from labctl.governance.pseudonym import Pseudonymiser
from labctl.hbase import connect, ensure_schema, forget_account, load_run, publish_run, queries, schema
from labctl.course.lab import settled_reads
from labctl.hbase.admin import ContainerAdmin
from labctl.hbase.connection import HBASE_ERRORS
from recording import FILES

RUN = "2026-11-27T00:00:00+00:00"
DATA_TABLES = (schema.RANK, schema.ACCOUNTS, schema.TERMS, schema.REID)


@pytest.fixture(scope="module")
def document():
    from labctl import oracle

    return oracle.compute(FILES)


@pytest.fixture(scope="module")
def pseudonymiser():
    return Pseudonymiser(uuid.uuid4().hex.encode())


@pytest.fixture(scope="module")
def hbase(lab_stack, document, pseudonymiser):
    """A test namespace with the schema, the recorded data's metrics loaded and published."""
    namespace = f"smoke_{uuid.uuid4().hex[:8]}"
    connection = connect(lab_stack)
    try:
        ensure_schema(connection, namespace=namespace)
        load_run(connection, RUN, document, pseudonymiser, namespace=namespace)
        publish_run(connection, RUN, namespace=namespace)
        yield connection, namespace
    finally:
        connection.close()
        schema.drop_namespace(namespace)


def full_contents(connection, namespace: str) -> dict[str, dict[bytes, dict[bytes, bytes]]]:
    return {spec.name: dict(connection.table(spec.full_name(namespace)).scan()) for spec in DATA_TABLES}


def families_described(results: list[list[str]], table: str) -> dict[str, dict[str, str]]:
    """The admin's `describe` lines ({NAME => 'c', COMPRESSION => 'ZSTD', ...}) as dictionaries."""
    described = {}
    for fields in results:
        if fields[:2] == ["describe", table] and fields[2].startswith("{"):
            options = dict(re.findall(r"(\w+) => '([^']*)'", fields[2]))
            described[options["NAME"]] = options
    return described


def test_tables_are_described_as_documented(hbase):
    connection, namespace = hbase
    assert schema.mismatches(schema.describe(connection, namespace)) == []
    results = ContainerAdmin().run(*(["describe", spec.full_name(namespace)] for spec in schema.TABLES))
    for spec in schema.TABLES:
        name = spec.full_name(namespace)
        assert [f for f in results if f[:2] == ["describe", name]][0][2] == f"regions={len(spec.splits) + 1}"
        described = families_described(results, name)
        assert set(described) == {family.name for family in spec.families}
        for family in spec.families:
            options = described[family.name]
            assert options["COMPRESSION"] == family.compression
            assert options["BLOOMFILTER"] == family.bloom
            assert options["DATA_BLOCK_ENCODING"] == family.encoding
            assert options["VERSIONS"] == str(family.max_versions)
            assert options["BLOCKCACHE"] == str(family.block_cache).lower()
            if family.ttl is None:
                assert options["TTL"] == "FOREVER"
            else:
                assert options["TTL"].startswith(f"{family.ttl} SECONDS")
    person_ttls = {family.ttl for spec in schema.TABLES for family in spec.families if family.name in ("p", "h")}
    assert person_ttls == {30 * 24 * 3600}


def test_store_files_are_written_with_the_documented_codec_and_encoding(hbase):
    _, namespace = hbase
    admin = ContainerAdmin()
    names = [spec.full_name(namespace) for spec in DATA_TABLES]
    results = admin.run(*(["flush", name] for name in names), *(["storefiles", name] for name in names))
    files = [dict(field.split("=", 1) for field in fields[3:]) | {"table": fields[1], "family": fields[2]} for fields in results if fields[0] == "storefile"]
    assert {f["table"] for f in files} == set(names)
    for spec in DATA_TABLES:
        for family in spec.families:
            written = [f for f in files if f["table"] == spec.full_name(namespace) and f["family"] == family.name]
            assert written, f"no store file for {spec.name}:{family.name}"
            assert {f["codec"] for f in written} == {family.compression.lower()}
            assert {f["encoding"] for f in written} == {family.encoding}
    rank = [f for f in files if f["table"] == schema.RANK.full_name(namespace)]
    on_disk, raw = sum(int(f["bytes"]) for f in rank), sum(int(f["uncompressed"]) for f in rank)
    assert on_disk < 0.6 * raw, f"ZSTD saved too little: {on_disk} bytes for {raw}"


@pytest.mark.parametrize("limit", [None, 10])
def test_every_query_equals_the_oracle(hbase, document, pseudonymiser, limit):
    connection, namespace = hbase
    expected_document = pseudonymised(document, pseudonymiser)
    for name in queries.QUERY_NAMES:
        expected = expected_answer(expected_document, name, limit)
        answer = queries.query(connection, name, limit, namespace=namespace)
        assert answer == expected, name
        assert json.dumps(answer) == json.dumps(expected), f"{name}: same entries, other order"
    by_rate = queries.query(connection, "engagement", limit, by="rate", namespace=namespace)
    assert json.dumps(by_rate) == json.dumps(expected_answer(expected_document, "engagement", limit, by="rate"))
    for region in [*document["regions"], "zz"]:
        answer = queries.query(connection, "languages", limit, region=region, namespace=namespace)
        expected = expected_answer(expected_document, "languages", limit, region=region)
        assert json.dumps(answer) == json.dumps(expected), region


def test_point_lookups_equal_the_oracle(hbase, document, pseudonymiser):
    connection, namespace = hbase
    expected_document = pseudonymised(document, pseudonymiser)
    handles = list(document["followers"])[:3] + list(document["mentions"])[-3:]
    for handle in handles:
        pseudonym = pseudonymiser.pseudonym(handle)
        answer = queries.account(connection, handle, pseudonymiser=pseudonymiser, namespace=namespace)
        for section in ("followers", "engagement", "mentions"):
            found = expected_document[section].get(pseudonym)
            assert answer[section] == ({pseudonym: found} if found is not None else {}), (handle, section)
    for kind, section in queries.LOOKUPS.items():
        for name, count in list(document[section].items())[-2:]:
            assert queries.lookup(connection, kind, name, namespace=namespace) == {section: {name: count}}


def test_json_of_the_command_equals_the_oracle(hbase, document, pseudonymiser):
    _, namespace = hbase
    expected_document = pseudonymised(document, pseudonymiser)
    runner = CliRunner()
    for name in queries.QUERY_NAMES:
        result = runner.invoke(query_command.app, ["query", name, "--json", "--limit", "0", "--namespace", namespace])
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == json.dumps(expected_answer(expected_document, name, None), ensure_ascii=False)


def test_loading_the_run_again_changes_nothing(hbase, document, pseudonymiser):
    connection, namespace = hbase
    before = full_contents(connection, namespace)
    stats = load_run(connection, RUN, document, pseudonymiser, namespace=namespace)
    publish_run(connection, RUN, namespace=namespace)
    assert stats.deleted == sum(stats.rows[name] for name in ("rank", "accounts", "terms"))
    assert full_contents(connection, namespace) == before


def test_loading_the_run_again_in_streams_changes_nothing(hbase, document, pseudonymiser):
    """Several Thrift connections at once (HBASE_LOAD_STREAMS) write what one writes."""
    connection, namespace = hbase
    before = full_contents(connection, namespace)
    stats = load_run(connection, RUN, document, pseudonymiser, namespace=namespace, streams=3, open_connection=connection.another)
    publish_run(connection, RUN, namespace=namespace)
    assert stats.streams == 3 and stats.skipped == []
    assert stats.deleted == sum(stats.rows[name] for name in ("rank", "accounts", "terms"))
    assert full_contents(connection, namespace) == before


class ThriftMeter:
    """Counts what crosses the Thrift connection: the caching each scan asks for, the rows returned."""

    def __init__(self, client):
        self.client, self.cachings, self.rows = client, [], 0
        self._open, self._get = client.scannerOpenWithScan, client.scannerGetList

    def __enter__(self):
        def open_scan(table, scan, attributes):
            self.cachings.append(scan.caching)
            return self._open(table, scan, attributes)

        def get_list(scanner, count):
            found = self._get(scanner, count)
            self.rows += len(found)
            return found

        self.client.scannerOpenWithScan, self.client.scannerGetList = open_scan, get_list
        return self

    def __exit__(self, *exc):
        del self.client.scannerOpenWithScan, self.client.scannerGetList


def test_a_top_ten_reads_at_most_ten_rows(hbase, document):
    connection, namespace = hbase
    for name, section in LIST_QUERIES.items():
        with ThriftMeter(connection.client) as meter:
            answer = queries.query(connection, name, 10, namespace=namespace)
        shown = min(10, len(document[section]))  # a recording may have fewer than ten regions
        assert len(next(iter(answer.values()))) == shown, name
        # One scan on the runs table (the latest published run: 1 row), one on the rank table.
        assert meter.cachings == [1, 10] and meter.rows == 1 + shown, name
    for region, languages in document["language_by_region"].items():
        with ThriftMeter(connection.client) as meter:
            queries.query(connection, "languages", 10, region=region, namespace=namespace)
        # Its statuses are a get; its top languages a scan of its own rows only.
        assert meter.cachings == [1, 10] and meter.rows == 1 + min(10, len(languages)), region
    # And on the servers (one per worker, the rank table's regions on either): 10 rows read
    # for a top-10, not a scanner's worth.
    before = settled_reads("rank", namespace=namespace)
    queries.query(connection, "top-tags", 10, namespace=namespace)
    assert settled_reads("rank", namespace=namespace, changed_from=before) - before == 10


def test_forgetting_an_account_removes_it_everywhere(hbase, document, pseudonymiser):
    connection, namespace = hbase
    handle = next(handle for handle in document["engagement"] if handle in document["mentions"])
    pseudonym = pseudonymiser.pseudonym(handle)
    deleted = forget_account(connection, handle, pseudonymiser=pseudonymiser, namespace=namespace)
    assert deleted == {"rank": 4, "accounts": 1, "reid": 1}
    for spec, rows in full_contents(connection, namespace).items():
        assert not any(pseudonym.encode() in key for key in rows), spec
    assert queries.account(connection, pseudonym, namespace=namespace) == {"followers": {}, "engagement": {}, "mentions": {}}


def test_a_missing_namespace_is_a_clear_error(lab_stack):
    connection = connect(lab_stack)
    try:
        with pytest.raises(HBASE_ERRORS):
            queries.query(connection, "totals", namespace=f"absent_{uuid.uuid4().hex[:6]}")
    finally:
        connection.close()


def test_a_new_retention_alters_the_per_person_ttl_in_place(hbase):
    """`labctl deploy` after `raw_retention_days` changed: the TTL follows, the rows stay."""
    connection, namespace = hbase
    rows_before = {name: len(rows) for name, rows in full_contents(connection, namespace).items()}
    try:
        assert ensure_schema(connection, namespace=namespace, keep_days=7) == []
        assert set(schema.person_ttls(connection, namespace).values()) == {7 * 24 * 3600}
        described = ContainerAdmin().run(["describe", schema.ACCOUNTS.full_name(namespace)])
        assert families_described(described, schema.ACCOUNTS.full_name(namespace))["p"]["TTL"].startswith("604800 SECONDS")
        rows_after = {name: len(rows) for name, rows in full_contents(connection, namespace).items()}
        assert rows_after == rows_before
    finally:
        ensure_schema(connection, namespace=namespace)
    assert set(schema.person_ttls(connection, namespace).values()) == {schema.PERSON_TTL_SECONDS}
