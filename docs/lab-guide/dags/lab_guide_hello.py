"""
### lab_guide_hello

The lab guide's exercise 6: a DAG of your own, one task that counts what the pipeline
wrote in the curated zone. Copied into dags/ during the exercise, removed at its end.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import dag


@dag(schedule=None, start_date=datetime(2026, 1, 1), catchup=False, doc_md=__doc__, tags=["lab-guide"])
def lab_guide_hello():
    # The curated zone is readable by the analysts only (docs/access.md): the task says it is one.
    BashOperator(
        task_id="count_curated",
        bash_command="hdfs dfs -count /lake/curated",
        env={"HADOOP_USER_NAME": "analyst"},
        append_env=True,
    )


lab_guide_hello()
