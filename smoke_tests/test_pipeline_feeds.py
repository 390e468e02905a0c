"""Feeds on the lab: `labctl feeds` edits the Airflow Variable the DAG reads, and one feed that
fails for good while two others succeed (an instance that went away) costs the run only that
feed: its collect is retried, then fails and alerts; the others land; the jobs run and the
results are published; the run ends failed through `feeds_failed`, and `labctl run` says why
with the failed feed's own log.

One DAG run, kept short: `--collect-retries 1` (a DAG parameter) lets the failing feed retry
once instead of three times. Three feeds collected in one successful run are checked by
test_pipeline_e2e.py, on the run it makes anyway. The Variable is restored at the end.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from types import SimpleNamespace

import pytest
import requests

from labctl.cli import main
from labctl.core import addresses as ab
from labctl.core import runs
from labctl.core.airflow_api import AirflowAPI
from labctl.core.errors import LabError
from labctl.pipeline.feeds import VARIABLE, Feed, declared_feeds, save_feeds
from queries import expected_over_raw_zone, query

GONE = "gone.varmo.de"  # a server the replay server does not serve: its feed fails
FEEDS = [Feed("toot.varmo.de", "public"), Feed(GONE, "public"), Feed("social.lupen.fr", "public")]


def alerts(manifest) -> list[dict]:
    return requests.get(f"{ab.lab_from_host(manifest).alert_sink}/alerts", timeout=20).json()


def labctl(*argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr with its lines joined) of a labctl command, as a user sees it."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(list(argv))
    return code, stdout.getvalue(), " ".join(stderr.getvalue().split())  # Rich wraps long lines


def feeds_listed() -> list[str]:
    code, listed, problem = labctl("feeds", "list", "--json")
    assert code == 0, problem
    return [f"{feed['instance']} {feed['timeline']}" for feed in json.loads(listed)["feeds"]]


@pytest.fixture
def restore_feeds(lab_stack):
    """Whatever a test does to the Variable, the default feeds come back (other tests count on them)."""
    api = AirflowAPI(lab_stack)
    declared, default = declared_feeds(api, lab_stack["PIPELINE_FEEDS"])
    yield api
    if default:
        try:
            api.request("DELETE", f"/variables/{VARIABLE}")
        except LabError:
            pass  # never created
    else:
        save_feeds(api, declared, exists=True)


def test_feeds_add_and_remove_edit_what_the_next_run_reads(lab_stack, restore_feeds):
    labels = feeds_listed()
    assert labctl("feeds", "add", "toot.varmo.de", "tag:Python")[0] == 0
    assert feeds_listed() == [*labels, "toot.varmo.de tag:python"]
    # What the DAG reads when a run starts: the Variable's value.
    assert declared_feeds(restore_feeds, lab_stack["PIPELINE_FEEDS"]) == ([*map(Feed.parse, labels), Feed("toot.varmo.de", "tag:python")], False)
    code, _, problem = labctl("feeds", "add", GONE, "public")
    assert code == 1 and "serves no instance" in problem, problem
    assert labctl("feeds", "remove", "toot.varmo.de", "tag:python")[0] == 0
    assert feeds_listed() == labels


@pytest.fixture(scope="module")
def failing_feed_run(lab_stack):
    assert main(["deploy"]) == 0
    api = AirflowAPI(lab_stack)
    runs.wait_idle(api)
    runs.quiesce(api)
    declared, default = declared_feeds(api, lab_stack["PIPELINE_FEEDS"])
    before = len(alerts(lab_stack))
    save_feeds(api, FEEDS, exists=not default)
    try:
        code, _, printed = labctl("run", "--collect-retries", "1")
    finally:
        if default:
            api.request("DELETE", f"/variables/{VARIABLE}")
        else:
            save_feeds(api, declared, exists=True)
    listed = api.get(f"/dags/{runs.DAG_ID}/dagRuns", order_by="-run_after", limit=20)["dag_runs"]
    run = next(run for run in listed if run.get("run_type") == "manual")
    state = runs.poll(api, run["dag_run_id"])
    new = [alert for alert in alerts(lab_stack)[before:] if alert.get("run_id") == run["dag_run_id"]]
    return SimpleNamespace(code=code, printed=printed, run=run, state=state, alerts=new, api=api)


def test_the_run_fails_through_feeds_failed_and_labctl_run_names_the_feed(failing_feed_run):
    assert failing_feed_run.run["state"] == "failed"
    assert failing_feed_run.code == 1
    printed = failing_feed_run.printed
    assert f"task collect {GONE} public failed" in printed, printed[-2000:]
    assert "the other feeds were collected, processed and published" in printed
    # The failed mapped instance's log, fetched by its map index.
    assert "does not answer the Mastodon instance API" in printed


def test_the_failing_feed_was_retried_then_failed_while_the_others_collected(failing_feed_run):
    collects = {i.label: i for i in failing_feed_run.state.instances if i.task_id == "collect"}
    assert set(collects) == {feed.label for feed in FEEDS}
    assert collects[f"{GONE} public"].state == "failed"
    assert collects[f"{GONE} public"].try_number == 2, "one retry (collect_retries=1), then failed"
    for feed in FEEDS:
        if feed.instance != GONE:
            instance = collects[feed.label]
            assert instance.state == "success" and instance.try_number == 1, feed
            result = runs.xcom(failing_feed_run.api, failing_feed_run.run["dag_run_id"], "collect", instance.map_index)
            assert result and result["instance"] == feed.instance
    tasks = failing_feed_run.state.tasks
    assert tasks["feeds_failed"] == "failed"
    for task in ("run_jobs", "quarantine", "load_hbase", "quality", "publish", "retention"):
        assert tasks[task] == "success", (task, tasks[task])


def test_the_failing_feed_alone_is_alerted_naming_the_feed(failing_feed_run):
    assert [(a["task_id"], a["map_index"], a["try_number"]) for a in failing_feed_run.alerts] == [("collect", f"{GONE} public", 2)]
    assert "does not answer the Mastodon instance API" in failing_feed_run.alerts[0]["error"]


def test_what_the_other_feeds_brought_was_published(failing_feed_run, lab_stack):
    """The failed run is the latest published one, and it holds the whole raw zone."""
    from datetime import datetime

    from labctl.hbase import connect
    from labctl.hbase import queries as hbase_queries
    from labctl.pipeline.steps import run_id_for

    run = failing_feed_run.run
    connection = connect(lab_stack)
    try:
        published = hbase_queries.resolve_run(hbase_queries.Reader(connection), None)
    finally:
        connection.close()
    assert published == run_id_for(datetime.fromisoformat(run["data_interval_end"] or run["run_after"]))
    assert query("totals")["totals"] == expected_over_raw_zone()["totals"]
