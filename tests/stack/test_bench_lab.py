"""The side-by-side script (benchmarks/lab.py): which DAG run it reads. No lab: the API's
answer is given."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "lab.py"
spec = importlib.util.spec_from_file_location("bench_lab", SCRIPT)
bench_lab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_lab)


def test_the_run_read_is_the_one_labctl_run_triggered_not_an_hourly_run_after_it():
    # A lab started at 17:57 runs its 18:00 slot right after the second `labctl run`.
    runs = [
        {"dag_run_id": "scheduled__2026-12-03T18:00:00+00:00", "run_type": "scheduled", "end_date": None},
        {"dag_run_id": "manual__2026-12-03T17:59:51+00:00", "run_type": "manual", "end_date": "2026-12-03T18:00:19Z"},
        {"dag_run_id": "manual__2026-12-03T17:57:47+00:00", "run_type": "manual", "end_date": "2026-12-03T17:58:20Z"},
    ]
    airflow = object.__new__(bench_lab.Airflow)
    airflow.get = lambda path, **params: {"dag_runs": runs}
    assert airflow.last_run()["dag_run_id"] == "manual__2026-12-03T17:59:51+00:00"
