"""Measure HBase loading and queries on the lab: `python benchmarks/hbase.py [--repeat N]`.

Loading: rows/s writing the recorded data's rows (seed_data/, via the oracle's metric
document) with one `mutateRows` per batch, for several batch sizes, against one Thrift
`mutateRow` per row (single puts); and whole `load_run` calls (delete of the run's earlier rows
included). Each run id gives new row keys, so every measurement inserts rows.
Queries: latency of every top-10 query, one account and one tag (each including the lookup of
the latest published run), p50 and p95 over --queries calls.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "smoke_tests"))

from labctl.governance.pseudonym import Pseudonymiser  # noqa: E402
from labctl.hbase import connect, drop_namespace, ensure_schema, load_run, publish_run, queries  # noqa: E402
from labctl.hbase.loader import run_rows, write  # noqa: E402
from labctl.seedgen import SHIPPED_FILES  # noqa: E402

SEED = [ROOT / name for name in SHIPPED_FILES]  # the three recorded timelines
BATCH_SIZES = (100, 500, 1000, 2000, 5000, 10000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rows_per_second(connection, namespace: str, document: dict, pseudonymiser, batch_size: int | None, limit: int | None = None) -> float:
    """Insert every row of a fresh run (all tables); batch_size None: one put per row."""
    rows = run_rows(f"bench-{uuid.uuid4().hex[:10]}", document, pseudonymiser)
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
    parser.add_argument("--repeat", type=int, default=5, help="loads per batch size (the median is printed)")
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
        rows_per_second(connection, namespace, document, pseudonymiser, 2000)  # warm-up: regions, JIT, caches
        # Sizes interleaved within each round, so a burst of load elsewhere hits them all alike.
        rates: dict[int, list[float]] = {size: [] for size in BATCH_SIZES}
        for _ in range(args.repeat):
            for size in BATCH_SIZES:
                rates[size].append(rows_per_second(connection, namespace, document, pseudonymiser, size))
        batched = {size: round(statistics.median(values)) for size, values in rates.items()}
        single = round(rows_per_second(connection, namespace, document, pseudonymiser, None, limit=args.single_puts))
        figures["batched_rows_per_second"] = batched
        figures["single_put_rows_per_second"] = single
        figures["best_batch_over_single"] = round(max(batched.values()) / single, 1)

        loads = []
        for _ in range(args.repeat):
            stats = load_run(connection, "bench-run", document, pseudonymiser, namespace=namespace)
            loads.append((stats.rows_per_second, stats.deleted))
        figures["load_run_rows_per_second_median"] = round(statistics.median(rate for rate, _ in loads))
        publish_run(connection, "bench-run", namespace=namespace)

        handle = next(iter(document["engagement"]))
        tag = next(iter(document["tags"]))
        calls = {name: (lambda name=name: queries.query(connection, name, 10, namespace=namespace)) for name in queries.QUERY_NAMES}
        calls["engagement --by rate"] = lambda: queries.query(connection, "engagement", 10, by="rate", namespace=namespace)
        calls["user HANDLE"] = lambda: queries.account(connection, handle, pseudonymiser=pseudonymiser, namespace=namespace)
        calls["tag NAME"] = lambda: queries.lookup(connection, "tag", tag, namespace=namespace)
        figures["query_latency_top10"] = {name: latencies(call, args.queries) for name, call in calls.items()}
        figures["load_average_after"] = os.getloadavg()[0]
    finally:
        connection.close()
        if not args.namespace and not args.keep:
            drop_namespace(namespace)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
