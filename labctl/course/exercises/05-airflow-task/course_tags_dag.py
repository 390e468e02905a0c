"""
### The tags of each language, counted and loaded into HBase

A DAG of your own, beside the lab's pipeline: `count_tags` counts the tags of each language
in a recording on the edge node (given; by default the shipped one, three instances'
timelines), `load_tags` loads them into an HBase table (yours to write), with retries and a
timeout. Run it with

    labctl exec -- airflow dags test course_tags_by_language

once this file is in the repository's dags/ folder (the task says how).
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import Param, dag, get_current_context, task

# tags_table.py sits beside this file; Airflow puts only the dags folder itself on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

DAG_ID = "course_tags_by_language"

# The settings of load_tags: how often it is tried again when it fails, how long to wait
# between tries, and how long one try may run before Airflow stops it.
### BEGIN SOLUTION
LOAD_SETTINGS = {
    "retries": 3,
    "retry_delay": timedelta(seconds=10),
    "retry_exponential_backoff": True,
    "execution_timeout": timedelta(minutes=5),
}
### END SOLUTION


@dag(
    dag_id=DAG_ID,
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["course"],
    doc_md=__doc__,
    params={
        "input": Param("/opt/lab/seed_data/recordings", type="string", title="Statuses on the edge node: a file, or a folder of files"),
        "table": Param("course_tags", type="string", title="HBase table to load"),
    },
)
def course_tags_by_language():
    @task(execution_timeout=timedelta(minutes=5))
    def count_tags() -> str:
        """{language: {tag: statuses}} of the input, written to a file; XCom carries only its path."""
        from labctl.course.tables import tags_by_language

        context = get_current_context()
        counts = tags_by_language(Path(context["params"]["input"]))
        path = Path(tempfile.gettempdir()) / f"course-tags-{context['run_id']}.json".replace(":", "_")
        path.write_text(json.dumps(counts, ensure_ascii=False), encoding="utf-8")
        return str(path)

    ### BEGIN SOLUTION
    @task(**LOAD_SETTINGS)
    def load_tags(counts_file: str) -> int:
        """Load the counts into the table named by the param `table`."""
        import happybase

        import tags_table
        from labctl.pipeline.cluster import THRIFT_HOST, THRIFT_PORT

        table = get_current_context()["params"]["table"]
        counts = json.loads(Path(counts_file).read_text(encoding="utf-8"))
        connection = happybase.Connection(THRIFT_HOST, THRIFT_PORT, timeout=30_000)
        try:
            tags_table.create_table_if_missing(connection, table)
            loaded = tags_table.load(connection, table, counts)
        finally:
            connection.close()
        Path(counts_file).unlink(missing_ok=True)  # only once loaded: a retry still finds it
        return loaded

    load_tags(count_tags())
    ### END SOLUTION


course_tags_by_language()
