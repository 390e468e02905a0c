"""The metrics in HBase: schema, batch loading, runs, queries, erasure and the report.

    connection = connect()
    ensure_schema(connection)                                   # labctl deploy
    load_run(connection, run_id, metrics, Pseudonymiser(key))   # the DAG's load task
    publish_run(connection, run_id)                             # the DAG's publish task
    query(connection, "top-tags", 10)                           # labctl query top-tags
"""

from labctl.hbase.connection import connect
from labctl.hbase.forget import forget_account
from labctl.hbase.loader import DEFAULT_BATCH_SIZE, LoadStats, MetricsDocumentError, delete_run_rows, load_run, run_rows
from labctl.hbase.queries import QUERY_NAMES, QueryError, ScanMeter, account, lookup, query
from labctl.hbase.reidentify import RevealRefused, allowed_to_reveal, reveal
from labctl.hbase.runs import RunError, latest_run, list_runs, publish_run
from labctl.hbase.schema import NAMESPACE, SchemaError, drop_namespace, ensure_schema

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "NAMESPACE",
    "QUERY_NAMES",
    "LoadStats",
    "MetricsDocumentError",
    "QueryError",
    "RevealRefused",
    "RunError",
    "ScanMeter",
    "SchemaError",
    "account",
    "allowed_to_reveal",
    "connect",
    "delete_run_rows",
    "drop_namespace",
    "ensure_schema",
    "forget_account",
    "latest_run",
    "list_runs",
    "load_run",
    "lookup",
    "publish_run",
    "query",
    "reveal",
    "run_rows",
]
