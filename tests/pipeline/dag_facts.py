"""What Airflow makes of dags/: import errors, and each DAG's tasks (type, upstream, trigger
rule). Run in process when Airflow is installed, or as a script inside the lab's Airflow image
(`python dag_facts.py DAGS_FOLDER` prints them as one JSON line after FACTS)."""

from __future__ import annotations

import json
import sys


# When a lab starts, minutes after a tick of its DAG's schedule.
STARTED_AFTER_A_TICK = (0.5, 2, 5.5, 7, 30, 59.5)


def first_scheduled_runs(dag) -> dict[str, float | None]:
    """Minutes from a lab's start to its DAG's first scheduled run, for starts at each of
    STARTED_AFTER_A_TICK minutes past a tick (None: no schedule). The timetable reads the
    clock through `utcnow`, which is the one thing patched."""
    if dag.timetable is None or not dag.timetable.can_be_scheduled:
        return {str(minutes): None for minutes in STARTED_AFTER_A_TICK}
    from datetime import timedelta
    from unittest import mock

    import pendulum
    from airflow.timetables import trigger
    from airflow.timetables.base import TimeRestriction

    waits = {}
    for minutes in STARTED_AFTER_A_TICK:
        now = pendulum.datetime(2026, 1, 1, 10, tz="UTC") + timedelta(minutes=minutes)
        with mock.patch.object(trigger, "utcnow", lambda: now):
            info = dag.timetable.next_dagrun_info(last_automated_data_interval=None, restriction=TimeRestriction(
                earliest=dag.start_date, latest=dag.end_date, catchup=dag.catchup))
        waits[str(minutes)] = None if info is None else (info.run_after - now).total_seconds() / 60
    return waits


def facts(dag_folder: str) -> dict:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=dag_folder)
    return {
        "import_errors": {path: str(error)[-2000:] for path, error in bag.import_errors.items()},
        "dags": {
            dag_id: {
                "catchup": dag.catchup,
                "first_scheduled_run_minutes_after_start": first_scheduled_runs(dag),
                "tasks": {task.task_id: {"type": type(task).__name__, "upstream": sorted(task.upstream_task_ids),
                                         "trigger_rule": getattr(task.trigger_rule, "value", str(task.trigger_rule))}
                          for task in dag.tasks},
            }
            for dag_id, dag in bag.dags.items()
        },
    }


if __name__ == "__main__":
    print("FACTS " + json.dumps(facts(sys.argv[1])))
