"""Exercise 5: a DAG of the student's, with a task loading HBase, on the lab's Airflow.

Graded as Airflow's own example DAGs are tested: the file imports (a DagBag, on the edge
node, from a scratch folder outside the dags folder, so a broken file never reaches the
scheduler), the task's retries and timeout, then one real run (`airflow dags test`, from the
dags folder, on an input the student never saw) and the table it loaded. The DAG file, its
run records and the table are removed afterwards.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
from datetime import timedelta
from pathlib import Path

from labctl.core import engine as eng
from labctl.core.edge import EDGE_SERVICE, EDGE_UID, EDGE_USER
from labctl.core.errors import LabError
from labctl.course import expected, inputs, lab, tables
from labctl.course.grader import Check, Context, NotGradable, Outcome
from labctl.course.run import tail

DAG_FILE = "course_tags_dag.py"
DAG_ID = "course_tags_by_language"
FILES = (DAG_FILE, "tags_table.py")
EDGE_ROOT = "/tmp/labctl-course"
DAGS_IN_CONTAINER = "/opt/airflow/dags"
MAX_TIMEOUT = timedelta(minutes=15)
_MARK = "COURSE-RESULT "

# Runs on the edge node, with Airflow's own Python: parse the folder, describe the DAG.
DAGBAG = f"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
seconds = lambda value: value.total_seconds() if value is not None else None
dags = {{
    dag_id: {{
        "catchup": getattr(dag, "catchup", None),
        "schedule": str(getattr(dag, "timetable", "")),
        "tasks": {{
            t.task_id: {{"retries": t.retries, "retry_delay": seconds(t.retry_delay),
                        "execution_timeout": seconds(t.execution_timeout), "upstream": sorted(t.upstream_task_ids)}}
            for t in dag.tasks
        }},
    }}
    for dag_id, dag in bag.dags.items()
}}
print({_MARK!r} + json.dumps({{"errors": {{k: v[-2000:] for k, v in bag.import_errors.items()}}, "dags": dags}}))
"""


def _edge(argv: list[str], *, user: str | None = EDGE_USER) -> tuple[int, str]:
    try:
        return eng.exec_in(EDGE_SERVICE, argv, user=user, check=False)
    except LabError as error:
        raise NotGradable(f"the lab's edge node cannot be reached ({error.message})", hint=lab.HINT) from error
    except Exception as error:  # noqa: BLE001 - no engine at all
        raise NotGradable(f"the Docker engine cannot be reached ({type(error).__name__})", hint=lab.HINT) from error


def _scratch(context: Context) -> str:
    if "edge_dir" not in context.state:
        folder = f"{EDGE_ROOT}/{context.exercise.slug}-{secrets.token_hex(4)}"
        context.state["edge_dir"] = folder
        context.cleanups.append(lambda: _edge(["rm", "-rf", folder], user=None))
    return context.state["edge_dir"]


def imports(context: Context) -> Outcome:
    folder = f"{_scratch(context)}/dag"
    for name in FILES:
        eng.put_file(EDGE_SERVICE, f"{folder}/{name}", (context.copy / name).read_bytes(), owner=EDGE_UID)
    code, output = _edge(["timeout", "120", "python", "-c", DAGBAG, folder])
    line = next((line for line in reversed(output.splitlines()) if line.startswith(_MARK)), None)
    if line is None:
        return Outcome.failed(f"the DagBag could not run on the edge node (exit {code})", tail(output))
    bag = json.loads(line.removeprefix(_MARK))
    if bag["errors"]:
        error = next(iter(bag["errors"].values()))
        last = error.strip().splitlines()[-1] if error.strip() else "?"
        stub = "\nhint: complete the parts marked YOUR CODE HERE (they raise NotImplementedError)" if "NotImplementedError" in error else ""
        return Outcome.failed(f"{DAG_FILE} does not import in Airflow: {last}{stub}", error)
    if DAG_ID not in bag["dags"]:
        return Outcome.failed(f"{DAG_FILE} imports but defines no DAG {DAG_ID!r} (found: {', '.join(bag['dags']) or 'none'})")
    context.state["dag"] = bag["dags"][DAG_ID]
    return Outcome.passed(f"{DAG_FILE} imports in Airflow; DAG {DAG_ID} has tasks {', '.join(bag['dags'][DAG_ID]['tasks'])}")


def settings(context: Context) -> Outcome:
    dag = context.state.get("dag")
    if dag is None:
        return Outcome.failed("not checked: the DAG does not import (see `imports`)")
    task = dag["tasks"].get("load_tags")
    if task is None:
        return Outcome.failed("the DAG has no task load_tags", json.dumps(dag["tasks"], indent=1))
    problems = []
    if "count_tags" not in task["upstream"]:
        problems.append("load_tags does not run after count_tags (its upstream: " + (", ".join(task["upstream"]) or "none") + ")")
    if not 1 <= task["retries"] <= 5:
        problems.append(f"retries is {task['retries']}: a task talking to HBase over the network should be tried again, a few times (1 to 5)")
    if not task["retry_delay"]:
        problems.append("retry_delay is 0: give the service a moment before trying again")
    timeout = task["execution_timeout"]
    if timeout is None:
        problems.append("execution_timeout is not set: a stuck load would hold a worker slot forever")
    elif not 0 < timeout <= MAX_TIMEOUT.total_seconds():
        problems.append(f"execution_timeout is {timeout:.0f} s: loading a few thousand cells takes seconds; allow at most {MAX_TIMEOUT}")
    if problems:
        return Outcome((4 - len(problems)) / 4, "; ".join(problems), json.dumps(task))
    return Outcome.passed(f"load_tags after count_tags, retries {task['retries']}, retry_delay {task['retry_delay']:g} s, "
                          f"execution_timeout {timeout:g} s")


def _dags_folder() -> Path:
    """Where the lab's Airflow reads DAGs on this machine (the bind mount of the dags folder)."""
    container = eng.service_container(eng.client(), EDGE_SERVICE)
    for mount in container.attrs.get("Mounts", []):
        if mount.get("Destination") == DAGS_IN_CONTAINER and Path(mount.get("Source", "")).is_dir():
            return Path(mount["Source"])
    raise NotGradable(f"the lab's dags folder ({DAGS_IN_CONTAINER}) is not a folder of this machine", hint="run labctl where the lab runs")


def run(context: Context) -> Outcome:
    if context.state.get("dag") is None or "load_tags" not in context.state["dag"]["tasks"]:
        return Outcome.failed("not run: the DAG does not import, or has no task load_tags")
    source = inputs.generated()
    folder = _scratch(context)
    edge_input = f"{folder}/input"  # a folder, as the param's default (the recording's three files) is
    for path in source.files:
        eng.put_file(EDGE_SERVICE, f"{edge_input}/{path.name}", path.read_bytes(), owner=EDGE_UID)
    table = f"course_tags_dag_{secrets.token_hex(4)}"
    context.cleanups.append(lambda: lab.drop_table(table))
    deployed = _dags_folder() / f"_course_{secrets.token_hex(4)}"
    context.cleanups.append(lambda: _edge(["airflow", "dags", "delete", DAG_ID, "--yes"]))
    context.cleanups.append(lambda: shutil.rmtree(deployed, ignore_errors=True))
    deployed.mkdir()
    for name in FILES:
        shutil.copyfile(context.copy / name, deployed / name)
    conf = json.dumps({"input": edge_input, "table": table})
    seconds = max(30, int(context.timeout))
    context.progress(f"run: airflow dags test {DAG_ID} on {source.name} (up to {seconds} s)")
    code, output = _edge(["timeout", "--kill-after=10", str(seconds), "airflow", "dags", "test", DAG_ID, "-c", conf])
    context.state["table"] = table
    context.state["source"] = source
    if code == 124 or code == 137:
        return Outcome.failed(f"the run did not finish in {seconds} s: stopped", tail(output, 3000))
    if code != 0 or "state=success" not in output:
        failed = [line for line in output.splitlines() if "ERROR" in line or "Traceback" in line or "Error" in line]
        return Outcome.failed(f"the run failed (exit {code}): {(failed or ['see the output'])[-1].strip()[:300]}\n"
                              f"hint: run it yourself: labctl exec -- airflow dags test {DAG_ID}", tail(output, 3000))
    context.state["ran"] = True
    return Outcome.passed(f"the run succeeded on {source.name}")


def table_contents(context: Context) -> Outcome:
    if not context.state.get("ran"):
        return Outcome.failed("not checked: the run did not succeed")
    sys.path.insert(0, str(context.copy))
    try:
        import importlib

        module = importlib.import_module("tags_table")
        counts = expected.tags_by_language(context.state["source"].files)
        with lab.hbase() as connection:
            loaded = set(module.languages(connection, context.state["table"]))
            wrong = [language for language in counts
                     if module.top(connection, context.state["table"], language, 10) != tables.top(counts, language, 10)]
    finally:
        sys.path.remove(str(context.copy))
        sys.modules.pop("tags_table", None)
    missing = sorted(set(counts) - loaded)
    if missing or wrong:
        detail = (f"languages missing from the table: {', '.join(missing[:5])}; " if missing else "") + (
            f"wrong top tags for {', '.join(wrong[:5])}" if wrong else "")
        return Outcome.failed(f"the table loaded by the run is not the input's counts: {detail.rstrip('; ')}")
    return Outcome.passed(f"the table holds the tags of all {len(counts)} languages of the input")


CHECKS = [
    Check("imports", f"{DAG_FILE} imports in Airflow (DagBag) and defines {DAG_ID}", 2, imports),
    Check("settings", "load_tags runs after count_tags, with retries, a retry delay and a timeout", 3, settings),
    Check("run", "a run of the DAG succeeds (airflow dags test) on an input you never saw", 3, run, hidden=True),
    Check("table", "the table the run loaded holds the input's tags of each language", 2, table_contents, hidden=True),
]
