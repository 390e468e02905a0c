"""What Airflow makes of dags/: import errors, and each DAG's tasks (type, upstream, trigger
rule). Run in process when Airflow is installed, or as a script inside the lab's Airflow image
(`python dag_facts.py DAGS_FOLDER` prints them as one JSON line after FACTS)."""

from __future__ import annotations

import json
import sys


def facts(dag_folder: str) -> dict:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=dag_folder)
    return {
        "import_errors": {path: str(error)[-2000:] for path, error in bag.import_errors.items()},
        "dags": {
            dag_id: {
                "catchup": dag.catchup,
                "tasks": {task.task_id: {"type": type(task).__name__, "upstream": sorted(task.upstream_task_ids),
                                         "trigger_rule": getattr(task.trigger_rule, "value", str(task.trigger_rule))}
                          for task in dag.tasks},
            }
            for dag_id, dag in bag.dags.items()
        },
    }


if __name__ == "__main__":
    print("FACTS " + json.dumps(facts(sys.argv[1])))
