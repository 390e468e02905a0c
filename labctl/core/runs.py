"""Deploying and running the pipeline through Airflow's REST API."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from labctl.core import ui
from labctl.core.airflow_api import AirflowAPI
from labctl.core.errors import LabError, ServiceUnreachable

DAG_ID = "mastodon_pipeline"
TERMINAL = {"success", "failed"}
# The DAG's tasks in the order a run goes through them (dags/mastodon_pipeline.py). `collect` is
# mapped: one instance per feed, each with its map index and its feed as label.
TASK_ORDER = ("check_lab", "feeds", "collect", "feeds_failed", "run_jobs", "quarantine", "load_hbase", "quality",
              "publish", "retention")
NOT_MAPPED = -1  # Airflow's map_index of a task that is not mapped


def wait_for_dag(api: AirflowAPI, timeout: float = 180) -> dict:
    """The DAG as Airflow parsed it; an import error fails at once, loudly."""
    deadline = time.monotonic() + timeout
    while True:
        errors = [error for error in api.import_errors() if "mastodon_pipeline" in (error.get("filename") or "")]
        if errors:
            raise LabError(f"the DAG does not import: {errors[0].get('filename')}", details=errors[0].get("stack_trace"), hint="fix dags/ or labctl/pipeline, then `labctl deploy`")
        try:
            return api.get(f"/dags/{DAG_ID}")
        except ServiceUnreachable:
            raise  # waiting will not mend a server that does not answer
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


def running_runs(api: AirflowAPI) -> list[str]:
    """The DAG's runs that are running now (queued ones have read nothing yet)."""
    listed = api.get(f"/dags/{DAG_ID}/dagRuns", limit=20, order_by="-run_after").get("dag_runs", [])
    return [run["dag_run_id"] for run in listed if run.get("state") == "running"]


@contextmanager
def pipeline_quiet(api: AirflowAPI, *, wait: float, what: str, poll: float = 5.0,
                   clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> Iterator[None]:
    """While `what` happens, no run of the DAG: it is paused (no new run starts), a running
    run is waited for up to `wait` seconds, or `what` is refused; the DAG's pause state is
    given back afterwards. A run that read the raw zone before an erasure would write the
    erased account back into the work, curated and quarantine zones and HBase."""
    was_paused = bool(api.get(f"/dags/{DAG_ID}").get("is_paused", True))
    if not was_paused:
        pause(api)
    try:
        deadline = clock() + wait
        while running := running_runs(api):
            if clock() >= deadline:
                raise LabError(
                    f"{what} refused: run {running[0]} of {DAG_ID} is running; it read the raw zone before and "
                    "would write what is erased back",
                    hint=f"wait for it to end (`labctl status`), or let the command wait for it: --wait SECONDS "
                         f"(it waited {wait:g} s)",
                )
            ui.info(f"waiting for run {running[0]} of {DAG_ID} to end before {what} (new runs are paused)")
            sleep(poll)
        yield
    finally:
        if not was_paused:
            unpause(api)


def variable(api: AirflowAPI, key: str) -> str | None:
    """An Airflow Variable the DAG reads, e.g. the retention setting (None when unset: the default)."""
    variables = api.get("/variables", limit=1000).get("variables", [])
    return next((v.get("value") for v in variables if v.get("key") == key), None)


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


@dataclass(frozen=True)
class TaskInstance:
    task_id: str
    state: str
    try_number: int = 1
    map_index: int = NOT_MAPPED
    label: str = ""  # a mapped instance's feed (the DAG's map_index_template), as Airflow rendered it

    @property
    def name(self) -> str:
        """`collect toot.varmo.de public` for a mapped instance, the task id otherwise."""
        if self.map_index == NOT_MAPPED:
            return self.task_id
        return f"{self.task_id} {self.label or f'#{self.map_index}'}"


@dataclass
class RunState:
    run_id: str
    state: str
    instances: list[TaskInstance] = field(default_factory=list)  # in TASK_ORDER, mapped ones by index
    started: float = field(default_factory=time.monotonic)

    @property
    def tasks(self) -> dict[str, str]:
        """State by task name (one entry per feed for a mapped task), in run order."""
        return {instance.name: instance.state for instance in self.instances}

    def failed(self) -> TaskInstance | None:
        """The first task that failed, in run order; a task that only had a failed upstream
        (it never ran, so it has no log) only when no task failed itself."""
        for states in (("failed",), ("upstream_failed",)):
            found = next((instance for instance in self.instances if instance.state in states), None)
            if found is not None:
                return found
        return None


def feed_label(feed: dict) -> str:
    """How a run names a feed (an item the DAG's `feeds` task returns): its collect task's name
    in Airflow, its alerts; `labctl run` names the rows of its table the same way."""
    return f"{feed.get('instance') or feed.get('source')} {feed.get('timeline')}"


def _order(instance: TaskInstance) -> tuple[int, int]:
    known = TASK_ORDER.index(instance.task_id) if instance.task_id in TASK_ORDER else len(TASK_ORDER)
    return known, instance.map_index


def poll(api: AirflowAPI, run_id: str) -> RunState:
    run = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}")
    # Airflow pages at 50 by default and caps a page at 100 ([api] maximum_page_limit): room for
    # ninety feeds.
    listed = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", limit=100).get("task_instances", [])
    instances = [
        TaskInstance(
            task_id=item["task_id"],
            state=item.get("state") or "none",
            try_number=item.get("try_number") or 1,
            map_index=NOT_MAPPED if item.get("map_index") is None else item["map_index"],
            label=item.get("rendered_map_index") or "",
        )
        for item in listed
    ]
    if any(i.map_index != NOT_MAPPED and not i.label for i in instances):
        # Airflow renders a mapped instance's name when it has run: until then (or if it never
        # did), the feed is read from what `feeds` returned, in map-index order.
        listed = xcom(api, run_id, "feeds") or []
        instances = [
            replace(i, label=feed_label(listed[i.map_index]))
            if i.map_index != NOT_MAPPED and not i.label and i.map_index < len(listed) else i
            for i in instances
        ]
    return RunState(run_id, run.get("state") or "queued", sorted(instances, key=_order))


def xcom(api: AirflowAPI, run_id: str, task_id: str, map_index: int = NOT_MAPPED):
    params = {} if map_index == NOT_MAPPED else {"map_index": map_index}
    try:
        return api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value", **params).get("value")
    except LabError:
        return None


def log_tail(api: AirflowAPI, run_id: str, task_id: str, try_number: int, lines: int = 40,
             map_index: int = NOT_MAPPED) -> str:
    """The end of a task's log; a mapped instance's is named by its map index (a query
    parameter of Airflow 3's log endpoint, -1 when absent)."""
    params = {"full_content": "true"} if map_index == NOT_MAPPED else {"full_content": "true", "map_index": map_index}
    try:
        log = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}", **params)
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
