"""Bulk load: the same rows as `load_run`, written as HFiles and moved into the regions.

For outputs far larger than the lab's, the write path (WAL, memstore, flushes) is the cost
of a Thrift load. HBase's bulk load skips it: ImportTsv (a MapReduce job, run here with
Hadoop's local job runner inside the hbase-master container) turns a TSV of the rows into
HFiles partitioned like the table's regions, compressed and encoded as its families say,
and BulkLoadHFilesTool moves them into the regions. One job per table, about 15 s each:
slower than Thrift batches at the lab's few tens of thousands of rows, faster at millions.

The run's earlier rows are deleted first and the run is marked as `load_run` marks it, so
both paths give the same table contents and the same runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from labctl.governance.pseudonym import Pseudonymiser
from labctl.hbase import keys
from labctl.hbase.admin import AdminError
from labctl.hbase.loader import LoadStats, Row, load_run
from labctl.hbase.schema import NAMESPACE, TableSpec

SEPARATOR = b"\x1f"  # ASCII unit separator: URLs and names may hold tabs, never this
CLASSPATH = "/opt/lab/conf/hbase:/opt/hbase/lib/*:/opt/hadoop/lib/*"
# ImportTsv and the bulk load tool live seconds, like the lab's client commands: C1 alone and
# the serial collector (lab-daemon's SHORT_LIVED_JVM) spend about half the CPU in starting.
JAVA = "java -Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED"

# $0 table, $1 columns, $2 HDFS work folder; the TSV arrives on stdin. HBase's log is kept
# in a file and shown only when a step fails.
_SCRIPT = (
    'set -u; dir=$(mktemp -d); cat > "$dir/rows.tsv"; log="$dir/log"; '
    f'{JAVA} -cp "{CLASSPATH}" org.apache.hadoop.hbase.mapreduce.ImportTsv -Dmapreduce.framework.name=local '
    f'"-Dimporttsv.separator=$(printf "\\037")" "-Dimporttsv.columns=HBASE_ROW_KEY,$1" -Dimporttsv.skip.empty.columns=true '
    f'"-Dimporttsv.bulk.output=$2" "$0" "file://$dir/rows.tsv" >"$log" 2>&1 '
    f'&& {JAVA} -cp "{CLASSPATH}" org.apache.hadoop.hbase.tool.BulkLoadHFilesTool "$2" "$0" >>"$log" 2>&1; '
    'code=$?; hdfs dfs -rm -r -f -skipTrash "$2" >/dev/null 2>&1; '
    '[ $code -eq 0 ] || grep -E "ERROR|Exception|Caused by" "$log" | tail -n 20; rm -rf "$dir"; exit $code'
)

Runner = Callable[[list[str], bytes], tuple[int, str]]


def tsv(rows: list[Row]) -> tuple[list[str], bytes, list[tuple[str, str]]]:
    """(columns, TSV bytes, rows left out) for ImportTsv: one line per row, empty when a row lacks a column."""
    columns = sorted({column for _, data in rows for column in data})
    lines, left_out = [], []
    for key, data in rows:
        fields = [key, *(data.get(column, b"") for column in columns)]
        if any(SEPARATOR in field or b"\n" in field or b"\r" in field for field in fields):
            left_out.append((keys.decode(key), "a separator or line break in the row"))
            continue
        lines.append(SEPARATOR.join(fields))
    return [column.decode() for column in columns], b"\n".join(lines) + b"\n", left_out


def container_runner(service: str | None = None) -> Runner:
    """Runs in the lab's HBase master container (its service in the address book by default)."""
    from labctl.core.addresses import service as service_of

    service = service or service_of("HBASE_MASTER")

    def run(argv: list[str], stdin: bytes) -> tuple[int, str]:
        from labctl.core import engine

        return engine.exec_in(service, argv, stdin_data=stdin, check=False)

    return run


def bulk_load_table(spec: TableSpec, rows: list[Row], *, namespace: str, runner: Runner) -> list[tuple[str, str]]:
    if not rows:
        return []
    columns, content, left_out = tsv(rows)
    work = f"/tmp/labctl-bulk/{uuid.uuid4().hex}"
    code, output = runner(["sh", "-c", _SCRIPT, spec.full_name(namespace), ",".join(columns), work], content)
    if code != 0:
        raise AdminError(f"bulk load of {spec.full_name(namespace)} failed", details=output[-4000:])
    return left_out


def bulk_load_run(
    connection,
    run_id: str,
    metrics: dict[str, Any],
    pseudonymiser: Pseudonymiser,
    *,
    namespace: str = NAMESPACE,
    runner: Runner | None = None,
) -> LoadStats:
    """`load_run` through HFiles instead of Thrift mutations; the same contents, the same run marks."""
    runner = runner or container_runner()

    def hfiles(spec: TableSpec, rows: list[Row]) -> list[tuple[str, str]]:
        left_out = bulk_load_table(spec, rows, namespace=namespace, runner=runner)
        # The Thrift server drops a connection idle for 60 s (hbase.thrift.server.socket.read.timeout).
        connection.close()
        connection.open()
        return left_out

    return load_run(connection, run_id, metrics, pseudonymiser, namespace=namespace, writer=hfiles, method="bulk-load")
