"""Following a run with mapped feeds (labctl/core/runs.py, `labctl run`): one row per feed's
collect, the failed feed's log asked for by its map index, each feed's result in the summary.

Airflow is not installed here: `Airflow` answers the few REST paths `labctl run` reads, in
the shape of Airflow 3's API (task instances carry `map_index` and `rendered_map_index`), and
records what it was asked."""

from __future__ import annotations

import ast
from pathlib import Path

from rich.console import Console

from labctl.commands import pipeline
from labctl.core import runs
from labctl.core.errors import LabError
from labctl.core.manifest import Manifest

DAG = Path(__file__).resolve().parents[2] / "dags" / "mastodon_pipeline.py"
RUN = "manual__2026-12-02T10:00:00+00:00"
FEEDS = ("toot.varmo.de public", "social.lupen.fr public", "mast.kiroba.jp public")


def instance(task_id: str, state: str | None, map_index: int = -1, try_number: int = 1) -> dict:
    rendered = FEEDS[map_index] if map_index >= 0 else None
    return {"task_id": task_id, "state": state, "try_number": try_number, "map_index": map_index,
            "rendered_map_index": rendered}


class Airflow:
    def __init__(self, instances: list[dict], xcoms: dict[tuple[str, int], dict] | None = None):
        self.instances, self.xcoms, self.asked = instances, xcoms or {}, []

    def get(self, path: str, **params) -> dict:
        self.asked.append((path, params))
        base = f"/dags/{runs.DAG_ID}/dagRuns/{RUN}"
        if path == base:
            return {"dag_run_id": RUN, "state": "failed"}
        if path == f"{base}/taskInstances":
            return {"task_instances": self.instances, "total_entries": len(self.instances)}
        if path.startswith(f"{base}/taskInstances/") and path.endswith("/xcomEntries/return_value"):
            task = path.split("/")[-3]
            found = self.xcoms.get((task, int(params.get("map_index", -1))))
            if found is None:
                raise LabError(f"Airflow API GET {path} answered 404")
            return {"value": found}
        if "/logs/" in path:
            return {"content": [{"event": "collecting"}, {"event": "failed", "error_detail": [
                {"exc_type": "ConnectionError", "exc_value": "replay server unreachable"}]}]}
        raise LabError(f"Airflow API GET {path} answered 404")


# A run whose second feed failed for good while the others landed and were published.
ONE_FEED_FAILED = [
    instance("publish", "success"), instance("collect", "success", 2), instance("check_lab", "success"),
    instance("collect", "failed", 1, try_number=3), instance("feeds_failed", "failed"),
    instance("collect", "success", 0), instance("feeds", "success"), instance("run_jobs", "success"),
    instance("quarantine", "success"), instance("load_hbase", "success"), instance("quality", "success"),
    instance("retention", "success"),
]


def test_task_order_names_every_task_of_the_dag():
    def is_task(decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        return isinstance(target, ast.Name) and target.id == "task"

    tasks = {node.name for node in ast.walk(ast.parse(DAG.read_text(encoding="utf-8")))
             if isinstance(node, ast.FunctionDef) and any(is_task(d) for d in node.decorator_list)}
    assert tasks == set(runs.TASK_ORDER)


def test_a_run_lists_one_collect_per_feed_in_run_order():
    state = runs.poll(Airflow(ONE_FEED_FAILED), RUN)
    names = list(state.tasks)
    assert names[:6] == ["check_lab", "feeds", *(f"collect {feed}" for feed in FEEDS), "feeds_failed"]
    assert names[-1] == "retention" and len(names) == len(ONE_FEED_FAILED)
    assert state.tasks["collect social.lupen.fr public"] == "failed"


def test_the_failed_feed_is_the_task_to_blame_and_its_log_is_asked_by_map_index():
    api = Airflow(ONE_FEED_FAILED)
    failed = runs.poll(api, RUN).failed()
    assert (failed.task_id, failed.map_index, failed.try_number) == ("collect", 1, 3)
    tail = runs.log_tail(api, RUN, failed.task_id, failed.try_number, map_index=failed.map_index)
    assert "ConnectionError: replay server unreachable" in tail
    path, params = api.asked[-1]
    assert path == f"/dags/{runs.DAG_ID}/dagRuns/{RUN}/taskInstances/collect/logs/3" and params["map_index"] == 1


def test_a_task_that_never_ran_is_blamed_only_when_nothing_failed_itself():
    state = runs.poll(Airflow([instance("collect", "upstream_failed", 0), instance("run_jobs", "failed")]), RUN)
    assert state.failed().task_id == "run_jobs"
    state = runs.poll(Airflow([instance("check_lab", "success"), instance("run_jobs", "upstream_failed")]), RUN)
    assert state.failed().task_id == "run_jobs"
    api = Airflow([])
    runs.log_tail(api, RUN, "run_jobs", 1)
    assert "map_index" not in api.asked[-1][1]  # a task that is not mapped: Airflow's default


def test_a_feed_airflow_has_not_named_yet_is_named_from_what_feeds_returned():
    listed = [{"source": "recorded", "instance": feed.split()[0], "timeline": "public"} for feed in FEEDS]
    unnamed = [{**instance("collect", "queued", index), "rendered_map_index": None} for index in range(3)]
    state = runs.poll(Airflow([instance("feeds", "success"), *unnamed], {("feeds", -1): listed}), RUN)
    assert list(state.tasks) == ["feeds", *(f"collect {feed}" for feed in FEEDS)]
    assert runs.poll(Airflow(unnamed), RUN).tasks == {"collect #0": "queued", "collect #1": "queued", "collect #2": "queued"}


def test_before_the_feeds_are_known_every_task_still_has_a_row():
    state = runs.poll(Airflow([instance("check_lab", "running"), instance("collect", None)]), RUN)
    rows = _rows(pipeline._tasks_table(state))
    assert [row[0] for row in rows] == list(runs.TASK_ORDER)
    assert dict(rows)["check_lab"] == "running" and dict(rows)["collect"] == "none"


def test_the_summary_shows_what_each_feed_brought_in():
    xcoms = {("collect", 0): {"source": "recorded", "instance": "toot.varmo.de", "received": 6151, "written": 6062},
             ("collect", 2): {"source": "recorded", "instance": "mast.kiroba.jp", "received": 0, "written": 0}}
    api = Airflow(ONE_FEED_FAILED, xcoms)
    summary = pipeline.run_summary(api, RUN, 12.0, runs.poll(api, RUN))
    assert [feed["feed"] for feed in summary["feeds"]] == ["toot.varmo.de public", "social.lupen.fr public", "mast.kiroba.jp public"]
    console = Console(width=200, record=True)
    original, pipeline.out = pipeline.out, console
    try:
        pipeline._print_summary(Manifest(), summary)
    finally:
        pipeline.out = original
    lines = [" ".join(line.replace("│", " ").split()) for line in console.export_text().splitlines()]
    assert "toot.varmo.de public success 6151 6062" in lines
    assert "social.lupen.fr public failed" in lines  # it returned nothing
    assert "mast.kiroba.jp public success 0 0" in lines
    asked = [params.get("map_index") for path, params in api.asked if path.endswith("/collect/xcomEntries/return_value")]
    assert asked == [0, 1, 2]


def _rows(table) -> list[tuple[str, str]]:
    names, states = (list(column.cells) for column in table.columns)
    return [(name, Console().render_str(value).plain) for name, value in zip(names, states)]
