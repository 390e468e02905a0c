"""The DAG as Airflow parses it: one collect task mapped over the feeds, run_jobs waiting for all
of them and running on what landed, a watcher failing the run when a feed failed for good.
Needs Airflow (the lab's image has it; `pip install apache-airflow==3.3.2` elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

airflow = pytest.importorskip("airflow", reason="Airflow is not installed in this environment")

DAGS = Path(__file__).resolve().parents[2] / "dags"


def test_the_dag_maps_collect_over_the_feeds_and_processes_what_landed(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    dag = bag.dags["mastodon_pipeline"]
    tasks = {task.task_id: task for task in dag.tasks}
    assert type(tasks["collect"]).__name__ == "DecoratedMappedOperator"
    assert tasks["collect"].upstream_task_ids == {"feeds"}
    assert tasks["run_jobs"].upstream_task_ids == {"collect"}
    assert tasks["run_jobs"].trigger_rule == "all_done_min_one_success"
    assert tasks["feeds_failed"].trigger_rule == "one_failed" and tasks["feeds_failed"].upstream_task_ids == {"collect"}
    assert not dag.catchup
    from labctl.core.runs import TASK_ORDER

    assert set(tasks) == set(TASK_ORDER), "labctl run lists the tasks of TASK_ORDER"
