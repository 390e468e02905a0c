"""Bulk load on the real lab: HFiles through ImportTsv give what Thrift batches give.

Slow by nature (a JVM and a MapReduce job per table, minutes on a busy lab), hence a file of
its own beside test_hbase_schema.py. A namespace of its own, dropped at the end.
"""

from __future__ import annotations

import uuid

from labctl.governance.pseudonym import Pseudonymiser
from labctl.hbase import connect, ensure_schema, load_run, schema
from labctl.hbase.bulk import bulk_load_run
from labctl.hbase.runs import LOADED, run_info
from recording import FILES

DATA_TABLES = (schema.RANK, schema.ACCOUNTS, schema.TERMS, schema.REID)


def contents(connection, namespace: str) -> dict[str, dict[bytes, dict[bytes, bytes]]]:
    return {spec.name: dict(connection.table(spec.full_name(namespace)).scan()) for spec in DATA_TABLES}


def test_bulk_load_and_thrift_batches_give_the_same_tables(lab_stack):
    from labctl import oracle

    document = oracle.compute(FILES)
    pseudonymiser = Pseudonymiser(uuid.uuid4().hex.encode())
    namespace = f"smoke_{uuid.uuid4().hex[:8]}"
    connection = connect(lab_stack)
    try:
        ensure_schema(connection, namespace=namespace)
        stats = bulk_load_run(connection, "bulk-run", document, pseudonymiser, namespace=namespace)
        assert stats.skipped == [] and stats.method == "bulk-load"
        assert run_info(connection, "bulk-run", namespace=namespace)["status"] == LOADED
        by_bulk = contents(connection, namespace)
        assert {name: len(rows) for name, rows in by_bulk.items()} == stats.rows
        load_run(connection, "bulk-run", document, pseudonymiser, namespace=namespace)
        assert contents(connection, namespace) == by_bulk
    finally:
        connection.close()
        schema.drop_namespace(namespace)
