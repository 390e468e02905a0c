"""Deploying and running the pipeline through Airflow's REST API."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from labctl.core.airflow_api import AirflowAPI
from labctl.core.errors import LabError

DAG_ID = "mastodon_pipeline"
TERMINAL = {"success", "failed"}
TASK_ORDER = ("check_lab", "collect", "run_jobs", "quarantine", "load_hbase", "quality", "publish", "retention")


def wait_for_dag(api: AirflowAPI, timeout: float = 180) -> dict:
    """The DAG as Airflow parsed it; an import error fails at once, loudly."""
    deadline = time.monotonic() + timeout
    while True:
        errors = [error for error in api.import_errors() if "mastodon_pipeline" in (error.get("filename") or "")]
        if errors:
            raise LabError(f"the DAG does not import: {errors[0].get('filename')}", details=errors[0].get("stack_trace"), hint="fix dags/ or labctl/pipeline, then `labctl deploy`")
        try:
            return api.get(f"/dags/{DAG_ID}")
        except LabError:
            if time.monotonic() > deadline:
                raise LabError(f"Airflow has not parsed {DAG_ID} after {timeout:.0f} s", hint="see `labctl logs airflow-dag-processor`") from None
            time.sleep(3)


def unpause(api: AirflowAPI) -> None:
    api.request("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})


def pause(api: AirflowAPI) -> None:
    api.request("PATCH", f"/dags/{DAG_ID}", json={"is_paused": True})


def quiesce(api: AirflowAPI) -> list[str]:
    """Pause the DAG and stop its active runs (a paused DAG's runs would never
    finish): nothing collects while someone seeds or erases by hand."""
    pause(api)
    stopped = []
    for run in api.get(f"/dags/{DAG_ID}/dagRuns", limit=50, order_by="-run_after").get("dag_runs", []):
        if run["state"] in ("queued", "running"):
            api.request("PATCH", f"/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}", json={"state": "failed"})
            stopped.append(run["dag_run_id"])
    return stopped


def wait_idle(api: AirflowAPI, timeout: float = 900) -> None:
    """Until no run of the DAG is queued or running (e.g. before seeding by hand)."""
    deadline = time.monotonic() + timeout
    while any(run["state"] in ("queued", "running") for run in api.get(f"/dags/{DAG_ID}/dagRuns", limit=20, order_by="-run_after").get("dag_runs", [])):
        if time.monotonic() > deadline:
            raise LabError(f"{DAG_ID} still has active runs after {timeout:.0f} s")
        time.sleep(5)


def clear(api: AirflowAPI, run_id: str) -> None:
    """Clear every task of a run: Airflow runs it again, with the same run id."""
    api.request("POST", f"/dags/{DAG_ID}/clearTaskInstances", json={"dry_run": False, "dag_run_id": run_id, "only_failed": False, "reset_dag_runs": True})


def wait_run(api: AirflowAPI, run_id: str, timeout: float = 1800) -> str:
    deadline = time.monotonic() + timeout
    time.sleep(5)
    while True:
        state = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}").get("state")
        if state in TERMINAL:
            return state
        if time.monotonic() > deadline:
            raise LabError(f"run {run_id} still {state} after {timeout:.0f} s")
        time.sleep(5)


def trigger(api: AirflowAPI, conf: dict) -> str:
    run = api.request("POST", f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None, "conf": conf})
    return run["dag_run_id"]


@dataclass
class RunState:
    run_id: str
    state: str
    tasks: dict[str, str] = field(default_factory=dict)
    tries: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)


def poll(api: AirflowAPI, run_id: str) -> RunState:
    run = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}")
    instances = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances").get("task_instances", [])
    state = RunState(run_id, run.get("state") or "queued")
    for instance in instances:
        state.tasks[instance["task_id"]] = instance.get("state") or "none"
        state.tries[instance["task_id"]] = instance.get("try_number") or 1
    return state


def xcom(api: AirflowAPI, run_id: str, task_id: str):
    try:
        return api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value").get("value")
    except LabError:
        return None


def log_tail(api: AirflowAPI, run_id: str, task_id: str, try_number: int, lines: int = 40) -> str:
    try:
        log = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}", full_content="true")
    except LabError as exc:
        return f"(log unavailable: {exc.message})"
    content = log.get("content")
    if isinstance(content, list):
        text = "\n".join(_log_line(entry) for entry in content)
    else:
        text = str(content)
    return "\n".join(text.splitlines()[-lines:])


def _log_line(entry) -> str:
    """Airflow 3 serves structured log entries; an exception's type and value sit in error_detail."""
    if not isinstance(entry, dict):
        return str(entry)
    line = str(entry.get("event", ""))
    for error in entry.get("error_detail") or []:
        line += f"\n{error.get('exc_type')}: {error.get('exc_value')}"
    return line
