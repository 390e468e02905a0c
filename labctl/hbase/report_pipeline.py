"""The report's pipeline section: how the published run was made, next to the run before it.

Airflow's REST API gives each task's duration and, through the tasks' XComs, the YARN
application ids, the jobs' counters and the quality check's counts (records read,
malformed). The lab run id in HBase (`run-<data interval end>`) names its DAG run: the one
whose data interval end (or, for a manual run, its run_after) gives that id.

`facts` is a pure function of the API's answers and `render` of the facts, so tests need
neither Airflow nor HBase; `gather` asks the API.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from labctl.core.runs import DAG_ID, TASK_ORDER

# Hadoop's own counters worth a line, then the lab's (labctl/jobs counters); the rest is
# in a folded table.
MAIN_COUNTERS = (
    "records_read",
    "malformed",
    "blank_lines",
    "Map input records",
    "Map output records",
    "Reduce input groups",
    "Reduce output records",
    "HDFS: Number of bytes read",
    "HDFS: Number of bytes written",
    "CPU time spent (ms)",
    "GC time elapsed (ms)",
)
RUNS_SCANNED = 100


def lab_run_id(dag_run: dict) -> str | None:
    """The lab's run id a DAG run wrote (labctl.pipeline.steps.run_id_for, same rule)."""
    when = dag_run.get("data_interval_end") or dag_run.get("run_after")
    if not when:
        return None
    stamp = datetime.fromisoformat(when.replace("Z", "+00:00"))
    return "run-" + stamp.strftime("%Y%m%dT%H%M%SZ")


def _seconds(instance: dict) -> float | None:
    duration = instance.get("duration")
    if duration is None and instance.get("start_date") and instance.get("end_date"):
        start = datetime.fromisoformat(instance["start_date"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(instance["end_date"].replace("Z", "+00:00"))
        duration = (end - start).total_seconds()
    return None if duration is None else round(float(duration), 1)


def run_facts(dag_run: dict, task_instances: list[dict], jobs: dict | None, quality: dict | None) -> dict[str, Any]:
    """One DAG run's figures, from its task instances and the run_jobs and quality XComs."""
    jobs, quality = jobs or {}, quality or {}
    by_task = {instance["task_id"]: instance for instance in task_instances}
    order = [task for task in TASK_ORDER if task in by_task] + sorted(set(by_task) - set(TASK_ORDER))
    read = quality.get("records_read")
    malformed = quality.get("malformed")
    return {
        "dag_run_id": dag_run["dag_run_id"],
        "lab_run_id": lab_run_id(dag_run),
        "state": dag_run.get("state"),
        "start": dag_run.get("start_date"),
        "duration_s": _seconds(dag_run),
        "tasks": [
            {"task_id": task, "state": by_task[task].get("state"), "duration_s": _seconds(by_task[task]), "tries": by_task[task].get("try_number") or 1}
            for task in order
        ],
        "applications": [app for app in jobs.get("applications") or [] if app],
        "counters": dict(jobs.get("counters") or {}),
        "records_read": read,
        "malformed": malformed,
        "malformed_ratio": (malformed / read) if read and malformed is not None else None,
        "statuses": (quality.get("totals") or {}).get("statuses"),
    }


def find_runs(dag_runs: list[dict], lab_run: str) -> tuple[dict | None, dict | None]:
    """The DAG run that wrote lab_run, and the last successful one before it."""
    finished = sorted((run for run in dag_runs if lab_run_id(run)), key=lambda run: lab_run_id(run) or "")
    this = next((run for run in reversed(finished) if lab_run_id(run) == lab_run and run.get("state") == "success"), None)
    this = this or next((run for run in reversed(finished) if lab_run_id(run) == lab_run), None)
    if this is None:
        return None, None
    earlier = [run for run in finished if (lab_run_id(run) or "") < lab_run and run.get("state") == "success"]
    return this, (earlier[-1] if earlier else None)


def gather(api, lab_run: str) -> dict[str, Any]:
    """This run's facts and the previous run's, from Airflow's REST API."""
    from labctl.core import runs as rn

    dag_runs = api.get(f"/dags/{DAG_ID}/dagRuns", limit=RUNS_SCANNED, order_by="-run_after").get("dag_runs", [])
    this, previous = find_runs(dag_runs, lab_run)
    if this is None:
        return {"unavailable": f"no run of {DAG_ID} among Airflow's last {RUNS_SCANNED} wrote {lab_run}"}

    def facts_of(dag_run: dict) -> dict:
        run_id = dag_run["dag_run_id"]
        instances = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances").get("task_instances", [])
        return run_facts(dag_run, instances, rn.xcom(api, run_id, "run_jobs"), rn.xcom(api, run_id, "quality"))

    return {"this": facts_of(this), "previous": facts_of(previous) if previous else None}


def _number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _change(now: float | None, before: float | None, *, percent_points: bool = False) -> str:
    if now is None or before is None:
        return "-"
    if percent_points:
        return f"{(now - before) * 100:+.2f} pt"
    difference = now - before
    relative = f" ({difference / before:+.0%})" if before else ""
    return (f"{difference:+,.1f}" if isinstance(difference, float) else f"{difference:+,}") + relative


def job_link(application: str, jobhistory: str) -> str:
    """JobHistory's page of the MapReduce job a YARN application ran."""
    job = application.replace("application_", "job_", 1)
    return f'<a href="{escape(jobhistory)}/jobhistory/job/{escape(job)}">{escape(application)}</a>'


def _row(cells: list[str], numeric_from: int = 1) -> str:
    return "<tr>" + "".join(f'<td class="n">{cell}</td>' if index >= numeric_from else f"<td>{cell}</td>" for index, cell in enumerate(cells)) + "</tr>"


def render(pipeline: dict[str, Any], *, jobhistory: str) -> str:
    """The section's HTML: no script, nothing fetched; links point at the lab's own UIs."""
    if "unavailable" in pipeline:
        return f'<h2>Pipeline</h2><p class="muted">Not shown: {escape(pipeline["unavailable"])}.</p>'
    this, previous = pipeline["this"], pipeline.get("previous")
    before = {task["task_id"]: task for task in (previous or {}).get("tasks", [])}
    head = ["task", "state", "tries", "seconds"] + (["previous run", "change"] if previous else [])
    rows = []
    for task in this["tasks"]:
        cells = [escape(task["task_id"]), escape(str(task["state"])), str(task["tries"]), _number(task["duration_s"])]
        if previous:
            earlier = before.get(task["task_id"], {}).get("duration_s")
            cells += [_number(earlier), _change(task["duration_s"], earlier)]
        rows.append(_row(cells, numeric_from=2))
    tasks = "<table><tr>" + "".join(f"<th>{column}</th>" for column in head) + "</tr>" + "".join(rows) + "</table>"

    figures = [
        ("run duration (s)", this["duration_s"], (previous or {}).get("duration_s")),
        ("records read", this["records_read"], (previous or {}).get("records_read")),
        ("statuses", this["statuses"], (previous or {}).get("statuses")),
        ("malformed records", this["malformed"], (previous or {}).get("malformed")),
    ]
    compare = ["<tr><th>figure</th><th>this run</th>" + ("<th>previous run</th><th>change</th>" if previous else "") + "</tr>"]
    for name, now, earlier in figures:
        compare.append(_row([name, _number(now)] + ([_number(earlier), _change(now, earlier)] if previous else [])))
    ratio_before = (previous or {}).get("malformed_ratio")
    compare.append(_row(["malformed ratio", _ratio(this["malformed_ratio"])] + ([_ratio(ratio_before), _change(this["malformed_ratio"], ratio_before, percent_points=True)] if previous else [])))
    comparison = "<table>" + "".join(compare) + "</table>"

    applications = "".join(f"<li>{job_link(app, jobhistory)}</li>" for app in this["applications"]) or '<li class="muted">none recorded</li>'
    counters = this["counters"]
    main = [name for name in MAIN_COUNTERS if name in counters]
    counter_rows = "".join(_row([escape(name), _number(counters[name])]) for name in main) or '<tr><td class="muted" colspan="2">none recorded</td></tr>'
    every = "".join(_row([escape(name), _number(value)]) for name, value in sorted(counters.items()))
    previous_note = (
        f"Compared with the previous successful run, <code>{escape(previous['lab_run_id'] or '')}</code> (DAG run <code>{escape(previous['dag_run_id'])}</code>)."
        if previous
        else "No earlier successful run to compare with."
    )
    return (
        "<h2>Pipeline</h2>"
        f'<p class="muted">DAG run <code>{escape(this["dag_run_id"])}</code> of {escape(DAG_ID)}, {escape(str(this["state"]))}, '
        f"read from Airflow's REST API. {previous_note}</p>"
        "<h3>This run and the previous one</h3>" + comparison
        + "<h3>Tasks</h3>" + tasks
        + "<h3>YARN applications</h3><p class=\"muted\">Each Streaming step is one application; the links open its job in the JobHistory UI.</p>"
        + f"<ul>{applications}</ul>"
        + "<h3>Counters (summed over the steps)</h3><table><tr><th>counter</th><th>value</th></tr>" + counter_rows + "</table>"
        + (f"<details><summary>All {len(counters)} counters</summary><table>{every}</table></details>" if counters else "")
    )


def gather_from_lab(lab_run: str) -> dict[str, Any]:
    """The section's data from the lab's Airflow, or why it cannot be shown (the rest of the
    report does not depend on it)."""
    import requests

    from labctl.core import clients
    from labctl.core.addresses import current
    from labctl.core.errors import LabError

    book = current()
    jobhistory = book.jobhistory or ""
    try:
        section = gather(clients.airflow(book), lab_run)
    except (LabError, requests.RequestException, KeyError, ValueError) as error:
        reason = error.message if isinstance(error, LabError) else f"{type(error).__name__}: {error}"
        section = {"unavailable": f"Airflow could not answer ({reason})"}
    return {**section, "jobhistory": jobhistory}
