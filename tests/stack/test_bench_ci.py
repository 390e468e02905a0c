"""The CI budget script (benchmarks/ci.py): how it counts containers' CPU and splits the
machine's CPU by smoke file. No engine: the counters are given."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "ci.py"
spec = importlib.util.spec_from_file_location("bench_ci", SCRIPT)
bench_ci = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_ci)

OLD, NEW = "a" * 64, "b" * 64


def test_a_container_there_at_the_start_counts_from_then_and_a_new_one_from_zero(monkeypatch):
    counters = iter([{OLD: 100.0}, {OLD: 130.0, NEW: 4.0}, {OLD: 150.0, NEW: 9.0}])
    busy = iter([1000.0, 1040.0, 1100.0])
    monkeypatch.setattr(bench_ci, "container_seconds", lambda: next(counters))
    monkeypatch.setattr(bench_ci, "machine_busy_seconds", lambda: next(busy))
    state = {"containers": {}, "timeline": []}
    for _ in range(3):
        bench_ci.sample(state, {OLD: "namenode", NEW: "edge"}.get)
    used = {seen["group"]: seen["to"] - seen["from"] for seen in state["containers"].values()}
    assert used == {"namenode": 50.0, "edge": 9.0}
    assert [busy for _, busy in state["timeline"]] == [1000.0, 1040.0, 1100.0]


def test_each_smoke_file_gets_its_wall_time_and_the_cpu_spent_during_it(tmp_path):
    report = tmp_path / "smoke.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest" timestamp="2026-12-02T10:00:00+00:00">'
        '<testcase classname="smoke_tests.test_a" name="one" time="10"/>'
        '<testcase classname="smoke_tests.test_a" name="two" time="20"/>'
        '<testcase classname="smoke_tests.test_b.TestB" name="three" time="40"/>'
        "</testsuite></testsuites>")
    start = 1796205600.0  # 2026-12-02T10:00:00Z
    # The machine busy 1.5 CPU-seconds per second for 30 s, then 0.5.
    timeline = [(start + t, 1.5 * t if t <= 30 else 45 + 0.5 * (t - 30)) for t in range(0, 80)]
    assert bench_ci.per_file(report, timeline) == [("test_a.py", 30.0, 45.0), ("test_b.py", 40.0, 20.0)]


def test_no_report_gives_no_files(tmp_path):
    assert bench_ci.per_file(tmp_path / "smoke.xml", [(0.0, 0.0)]) == []
