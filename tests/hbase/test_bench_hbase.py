"""The HBase benchmark (benchmarks/hbase.py) runs from end to end, against the in-process
Thrift server (thriftserver.py) instead of the lab: every setting measured, every query's
Thrift calls counted. Its figures here mean nothing; its shape is what the lead fills
docs/benchmarks.md from."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from fakehbase import FakeAdmin
from thriftserver import thrift_server

from labctl.hbase.connection import ResilientConnection, open_thrift
from labctl.hbase.schema import ensure_schema

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "hbase.py"
spec = importlib.util.spec_from_file_location("bench_hbase", SCRIPT)
bench_hbase = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_hbase)


def test_the_benchmark_compares_streams_and_batch_sizes_and_counts_round_trips(monkeypatch, capsys, generated_document):
    from labctl import oracle

    with thrift_server() as server:
        opened = []

        def connect():
            opened.append(ResilientConnection(open_thrift("127.0.0.1", server.port), where="test"))
            return opened[-1]

        dropped = []
        monkeypatch.setattr(bench_hbase, "connect", connect)
        monkeypatch.setattr(bench_hbase, "ensure_schema", lambda connection, namespace: ensure_schema(connection, namespace=namespace, admin=FakeAdmin()))
        monkeypatch.setattr(bench_hbase, "drop_namespace", dropped.append)
        monkeypatch.setattr(oracle, "compute", lambda files: generated_document)
        monkeypatch.setattr(sys, "argv", ["hbase.py", "--repeat", "1", "--streams", "1,3", "--batch-sizes", "50,400",
                                          "--single-puts", "20", "--queries", "2"])
        bench_hbase.main()
        opens = server.handler.calls["scannerOpenWithScan"]
    out, err = capsys.readouterr()
    figures = json.loads(out)
    assert list(figures["batched_rows_per_second"]) == ["1", "3"]
    assert all(list(by_size) == ["50", "400"] and all(rate > 0 for rate in by_size.values())
               for by_size in figures["batched_rows_per_second"].values())
    assert list(figures["load_run_rows_per_second_median"]) == ["1", "3"]
    trips = figures["query_round_trips"]
    assert trips["top-tags"] == {"scannerClose": 2, "scannerGetList": 2, "scannerOpenWithScan": 2, "total": 6}
    assert trips["tag NAME"]["total"] == 4 and trips["tag NAME"]["getRowWithColumns"] == 1
    assert opens > 0 and len(opened) == 1 and opened[0]._connection is None  # closed at the end
    assert len(dropped) == 1 and dropped[0].startswith("bench_")
    assert "3 stream(s)" in err and "batch     50" in err and "load_run" in err
