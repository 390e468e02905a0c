"""Measure HBase loading and queries on the lab: `python benchmarks/hbase.py [--repeat N]`.

Loading: rows/s writing the recorded data's rows (seed_data/, via the oracle's metric
document) with one `mutateRows` per batch, for several batch sizes and numbers of streams
(Thrift connections writing at once, one thread each: HBASE_LOAD_STREAMS), against one Thrift
`mutateRow` per row (single puts); and whole `load_run` calls (delete of the run's earlier rows
included) for each number of streams. Each run id gives new row keys, so every measurement
inserts rows; the settings are interleaved within each round.
Queries: latency of every top-10 query, one account and one tag (each including the lookup of
the latest published run), p50 and p95 over --queries calls; and the Thrift calls each makes.

Works in a namespace of its own (`bench_<random>`), dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "smoke_tests"))

from labctl.governance.pseudonym import Pseudonymiser  # noqa: E402
from labctl.hbase import connect, drop_namespace, ensure_schema, load_run, publish_run, queries  # noqa: E402
from labctl.hbase.loader import run_rows, write, write_streams  # noqa: E402
from labctl.seedgen import SHIPPED_FILES  # noqa: E402

SEED = [ROOT / name for name in SHIPPED_FILES]  # the three recorded timelines
BATCH_SIZES = (100, 500, 1000, 2000, 5000, 10000)
STREAMS = (1, 2, 4)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rows_per_second(connection, namespace: str, document: dict, pseudonymiser, batch_size: int | None, limit: int | None = None,
                    streams: int = 1) -> float:
    """Insert every row of a fresh run (all tables); batch_size None: one put per row; streams
    above 1: the loader's streams, each on a connection of its own (opened and closed here,
    as a load opens them)."""
    rows = run_rows(f"bench-{uuid.uuid4().hex[:10]}", document, pseudonymiser)
    if streams > 1:
        started = time.perf_counter()
        write_streams(connection, connection.another, streams, rows.by_table(), namespace, batch_size)
        return sum(len(table_rows) for _, table_rows in rows.by_table()) / (time.perf_counter() - started)
    written, started = 0, time.perf_counter()
    for spec, table_rows in rows.by_table():
        table = connection.table(spec.full_name(namespace))
        table_rows = table_rows[: None if limit is None else max(0, limit - written)]
        if batch_size is None:
            for key, data in table_rows:
                table.put(key, data)
        else:
            write(table, table_rows, batch_size)
        written += len(table_rows)
    return written / (time.perf_counter() - started)


class RoundTrips:
    """Counts the Thrift calls made through the connection's current client, as the course's
    grader meters a student's load (a client opened after a drop is not counted)."""

    def __init__(self, connection):
        from Hbase_thrift import Hbase

        self.client, self.names, self.calls = connection.client, Hbase.thrift_services, Counter()
        for name in self.names:
            setattr(self.client, name, self._counted(name, getattr(self.client, name)))

    def _counted(self, name: str, call):
        def counted(*args, **kwargs):
            self.calls[name] += 1
            return call(*args, **kwargs)

        return counted

    def of(self, call) -> dict[str, int]:
        self.calls.clear()
        call()
        return dict(sorted(self.calls.items())) | {"total": sum(self.calls.values())}

    def stop(self) -> None:
        for name in self.names:
            self.client.__dict__.pop(name, None)


def number_list(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def table_text(figures: dict) -> str:
    """rows/s, batch sizes down and streams across: what the docs' table is filled from."""
    by_streams = figures["batched_rows_per_second"]
    streams = list(by_streams)
    lines = ["rows/s        " + "".join(f"{f'{count} stream(s)':>14}" for count in streams)]
    for size in next(iter(by_streams.values())):
        lines.append(f"batch {size:>6}  " + "".join(f"{by_streams[count][size]:>14,}" for count in streams))
    loads = figures["load_run_rows_per_second_median"]
    lines.append("load_run      " + "".join(f"{loads[count]:>14,}" for count in streams))
    lines.append(f"single puts   {figures['single_put_rows_per_second']:>14,}")
    return "\n".join(lines)


def latencies(call, count: int) -> dict[str, float]:
    call()  # the first call opens regions' blocks into the cache
    times = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 0.50), 2), "p95_ms": round(percentile(times, 0.95), 2)}


def main() -> None:
    from labctl import oracle

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="loads per setting (the median is printed)")
    parser.add_argument("--streams", type=number_list, default=STREAMS, help="numbers of streams to compare, e.g. 1,2,4")
    parser.add_argument("--batch-sizes", type=number_list, default=BATCH_SIZES, help="batch sizes to compare, e.g. 1000,2000")
    parser.add_argument("--single-puts", type=int, default=3000, help="rows written one put at a time")
    parser.add_argument("--queries", type=int, default=200, help="calls per query for the latencies")
    parser.add_argument("--namespace", help="use this existing namespace (schema already created) and keep it")
    parser.add_argument("--keep", action="store_true", help="do not drop the benchmark's namespace")
    args = parser.parse_args()

    namespace = args.namespace or f"bench_{uuid.uuid4().hex[:8]}"
    document = oracle.compute(SEED)
    pseudonymiser = Pseudonymiser(os.urandom(32))
    figures: dict[str, object] = {"cores": os.cpu_count(), "load_average_before": os.getloadavg()[0]}
    connection = connect()
    try:
        if not args.namespace:
            ensure_schema(connection, namespace=namespace)
        figures["rows_per_run"] = sum(len(rows) for _, rows in run_rows("r", document, pseudonymiser).by_table())
        for streams in args.streams:  # warm-up: regions, JIT, caches, the Thrift server's threads
            rows_per_second(connection, namespace, document, pseudonymiser, 2000, streams=streams)
        # Settings interleaved within each round, so a burst of load elsewhere hits them all alike.
        settings = [(streams, size) for streams in args.streams for size in args.batch_sizes]
        rates: dict[tuple[int, int], list[float]] = {setting: [] for setting in settings}
        for _ in range(args.repeat):
            for streams, size in settings:
                rates[streams, size].append(rows_per_second(connection, namespace, document, pseudonymiser, size, streams=streams))
        batched = {str(streams): {str(size): round(statistics.median(rates[streams, size])) for size in args.batch_sizes}
                   for streams in args.streams}
        single = round(rows_per_second(connection, namespace, document, pseudonymiser, None, limit=args.single_puts))
        figures["batched_rows_per_second"] = batched  # streams -> batch size -> rows/s
        figures["single_put_rows_per_second"] = single
        figures["best_batch_over_single"] = {streams: round(max(by_size.values()) / single, 1) for streams, by_size in batched.items()}

        loads: dict[int, list[float]] = {streams: [] for streams in args.streams}
        for _ in range(args.repeat):
            for streams in args.streams:
                stats = load_run(connection, "bench-run", document, pseudonymiser, namespace=namespace,
                                 streams=streams, open_connection=connection.another)
                loads[streams].append(stats.rows_per_second)
        figures["load_run_rows_per_second_median"] = {str(streams): round(statistics.median(values)) for streams, values in loads.items()}
        publish_run(connection, "bench-run", namespace=namespace)

        handle = next(iter(document["engagement"]))
        tag = next(iter(document["tags"]))
        calls = {name: (lambda name=name: queries.query(connection, name, 10, namespace=namespace)) for name in queries.QUERY_NAMES}
        calls["engagement --by rate"] = lambda: queries.query(connection, "engagement", 10, by="rate", namespace=namespace)
        calls["user HANDLE"] = lambda: queries.account(connection, handle, pseudonymiser=pseudonymiser, namespace=namespace)
        calls["tag NAME"] = lambda: queries.lookup(connection, "tag", tag, namespace=namespace)
        figures["query_latency_top10"] = {name: latencies(call, args.queries) for name, call in calls.items()}
        meter = RoundTrips(connection)
        try:
            figures["query_round_trips"] = {name: meter.of(call) for name, call in calls.items()}
        finally:
            meter.stop()
        figures["load_average_after"] = os.getloadavg()[0]
    finally:
        connection.close()
        if not args.namespace and not args.keep:
            drop_namespace(namespace)
    print(table_text(figures), file=sys.stderr)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
