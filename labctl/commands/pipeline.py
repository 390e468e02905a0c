"""The pipeline on the lab: deploy, seed, run (through Airflow), alerts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from rich.table import Table

from labctl.commands.seed import Source, chosen_source, existing
from labctl.core import addresses as ab
from labctl.core import clients, edge, ui
from labctl.core import runs as rn
from labctl.core.airflow_api import AirflowAPI
from labctl.core.errors import LabError
from labctl.core.manifest import Manifest
from labctl.core.ui import out
from labctl.lake.retention import RETENTION_VARIABLE


def deploy() -> None:
    """Make the lab ready for the pipeline: the lake's zones and permissions, the HBase
    schema, and the DAG parsed without import errors. The DAG stays paused until the
    first `labctl run`, so that its schedule never races a `labctl seed` on a new lab."""
    manifest = Manifest()
    with ui.step("data lake zones and permissions"):
        code, output = edge.run_labctl(["lake", "provision"])
        if code != 0:
            raise LabError("creating the lake's zones failed", details=output)
    api = AirflowAPI(manifest)
    with ui.step("HBase tables (per-person TTL from raw_retention_days)"):
        _ensure_hbase_schema(manifest, rn.variable(api, RETENTION_VARIABLE))
    with ui.step(f"Airflow DAG {rn.DAG_ID}"):
        rn.wait_for_dag(api)


def _ensure_hbase_schema(manifest: Manifest, retention: str | None) -> None:
    from labctl import hbase
    from labctl.hbase.connection import connect
    from labctl.lake.retention import keep_days_setting

    # Creating pre-split tables takes the master a while: the batch loads' timeout.
    connection = connect(manifest, timeout=ab.current(manifest).timeouts.thrift_load)
    try:
        hbase.ensure_schema(connection, keep_days=keep_days_setting(retention))
    finally:
        connection.close()


def run(
    source: Annotated[Optional[Source], typer.Option("--source", show_default=False, help="Default: the declared feeds (`labctl feeds list`). Or one feed for this run: recorded (the replay server; --instance DOMAIN), file (--file) or live (--instance URL).")] = None,
    files: Annotated[Optional[list[Path]], typer.Option("--file", help="Statuses files, copied to the edge node. Implies --source file.")] = None,
    instance: Annotated[Optional[str], typer.Option("--instance", help="With --source live: the instance's URL (token: the Airflow Connection mastodon_default).")] = None,
    timeline: Annotated[str, typer.Option("--timeline", help="public, local or tag:NAME.")] = "public",
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="At most this many statuses.")] = None,
    include_noindex: Annotated[bool, typer.Option("--include-noindex", help="Also ingest authors who set noindex.")] = False,
    fail_task: Annotated[str, typer.Option("--fail-task", help="Make this task fail on purpose (to see an alert).")] = "",
    collect_retries: Annotated[Optional[int], typer.Option("--collect-retries", min=0, help="At most this many retries of a failing feed in this run (default: the DAG's 3).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to follow the run.")] = 1800,
    as_json: Annotated[bool, typer.Option("--json", help="The run's summary as JSON on stdout (progress stays on stderr).")] = False,
) -> None:
    """Trigger the pipeline DAG through Airflow's REST API and follow it task by task."""
    source = chosen_source(source, files)
    if source is Source.file and not files:
        raise LabError("--source file needs --file PATH")
    if files and not ab.current().is_lab:
        raise LabError("files reach a run through the lab's edge node; this target has none",
                       hint="`labctl seed --file PATH` ingests them from here, then `labctl run` processes the raw zone")
    manifest = Manifest()
    api = AirflowAPI(manifest)
    rn.wait_for_dag(api)
    rn.unpause(api)
    conf: dict = {"include_noindex": include_noindex, "fail_task": fail_task, "limit": limit, "collect_retries": collect_retries}
    if source:
        conf.update(source=source.value, timeline=timeline)
    if instance:
        conf["instance"] = instance
    if files:
        conf["files"] = [edge.copy_to_edge(path) for path in existing(files)]
    run_id = rn.trigger(api, conf)
    ui.info(f"triggered {rn.DAG_ID} run {run_id}")
    state = _follow(api, run_id, timeout)
    elapsed = time.monotonic() - state.started
    if state.state != "success":
        failed = state.failed()
        tail = rn.log_tail(api, run_id, failed.task_id, failed.try_number, map_index=failed.map_index) if failed else ""
        what = f"run {run_id} ended {state.state}" + (f": task {failed.name} {failed.state}" if failed else "")
        if failed is not None and failed.task_id == "collect" and state.tasks.get("publish") == "success":
            what += " (the other feeds were collected, processed and published)"
        raise LabError(what, details=tail, hint=f"each task's log is in the Airflow UI ({ab.current(manifest).airflow}); alerts: `labctl alerts`")
    summary = run_summary(api, run_id, elapsed, state)
    if as_json:
        out.print_json(data=summary)
        return
    _print_summary(manifest, summary)


def _follow(api: AirflowAPI, run_id: str, timeout: float) -> rn.RunState:
    started = time.monotonic()
    state = rn.poll(api, run_id)
    seen: dict[str, str] = {}
    # A live table on a terminal; one line per task state change in CI logs.
    with ui.live(_tasks_table(state)) as update:
        while state.state not in rn.TERMINAL:
            if time.monotonic() - started > timeout:
                raise LabError(f"run {run_id} still {state.state} after {timeout:.0f} s", hint="follow it in the Airflow UI")
            time.sleep(3)
            state = rn.poll(api, run_id)
            state.started = started
            update(_tasks_table(state))
            if not ui.err.is_terminal:
                for task, value in state.tasks.items():
                    if seen.get(task) != value and value != "none":
                        ui.info(f"{time.monotonic() - started:6.0f} s  {task}: {value}")
                        seen[task] = value
    state.started = started
    return state


def _tasks_table(state: rn.RunState) -> Table:
    colours = {"success": "green", "running": "yellow", "failed": "red", "upstream_failed": "red", "up_for_retry": "yellow", "queued": "blue", "scheduled": "blue"}
    table = Table(title=f"{rn.DAG_ID} {state.run_id}: {state.state}")
    table.add_column("task")
    table.add_column("state")
    # Every task has a row from the start (Airflow lists a task only once the run reaches it);
    # a mapped task has one per feed once the feeds are known.
    rows = [instance for instance in state.instances if instance.task_id not in rn.TASK_ORDER]
    for task in reversed(rn.TASK_ORDER):
        rows = ([i for i in state.instances if i.task_id == task] or [rn.TaskInstance(task, "none")]) + rows
    for instance in rows:
        table.add_row(instance.name, f"[{colours.get(instance.state, 'white')}]{instance.state}[/]")
    return table


def _feeds(api: AirflowAPI, state: rn.RunState) -> list[dict]:
    """What each feed's collect task brought in (its return value)."""
    feeds = []
    for instance in state.instances:
        if instance.task_id != "collect":
            continue
        result = rn.xcom(api, state.run_id, "collect", instance.map_index) or {}
        if result.get("source") == "file":
            files = result.get("files") or []
            received = sum(f.get("records", 0) for f in files)
            written = sum(f.get("written", 0) for f in files)
        else:
            received, written = result.get("received"), result.get("written")
        feeds.append({"feed": instance.label or instance.name, "state": instance.state, "received": received, "written": written})
    return feeds


def run_summary(api: AirflowAPI, run_id: str, elapsed: float, state: rn.RunState) -> dict:
    """What a successful run did, from its tasks' XComs."""
    jobs = rn.xcom(api, run_id, "run_jobs") or {}
    checked = rn.xcom(api, run_id, "quality") or {}
    loaded = rn.xcom(api, run_id, "load_hbase") or {}
    totals = checked.get("totals", {})
    rows = loaded.get("rows")
    return {
        "run_id": run_id,
        "state": "success",
        "seconds": round(elapsed, 1),
        "records_read": checked.get("records_read"),
        "statuses": totals.get("statuses"),
        "boosts": totals.get("boosts"),
        "accounts": totals.get("accounts"),
        "statuses_with_media": totals.get("statuses_with_media"),
        "malformed": totals.get("malformed"),
        "hbase_rows_loaded": sum(rows.values()) if isinstance(rows, dict) else rows,
        "yarn_applications": list(jobs.get("applications") or []),
        "feeds": _feeds(api, state),
    }


SUMMARY_ROWS = (
    ("raw records read", "records_read"),
    ("statuses (de-duplicated originals)", "statuses"),
    ("boosts", "boosts"),
    ("accounts", "accounts"),
    ("statuses with media", "statuses_with_media"),
    ("malformed records (quarantined)", "malformed"),
    ("HBase rows loaded", "hbase_rows_loaded"),
)


def _print_summary(manifest: Manifest, summary: dict) -> None:
    table = Table(title=f"Run {summary['run_id']}: success in {summary['seconds']:.0f} s")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, key in SUMMARY_ROWS:
        value = summary[key]
        table.add_row(name, "" if value is None else str(value))
    table.add_row("YARN applications", ", ".join(summary["yarn_applications"]))
    out.print(table)
    feeds = Table(title="Feeds collected")
    for column in ("feed", "state", "received", "written"):
        feeds.add_column(column, justify="right" if column in ("received", "written") else "left")
    for feed in summary["feeds"]:
        feeds.add_row(feed["feed"], feed["state"], *("" if feed[key] is None else str(feed[key]) for key in ("received", "written")))
    out.print(feeds)
    ui.info("Results: `labctl query top-tags`, `labctl query languages`, ... ; report: `labctl report`")
    book = ab.current(manifest)
    ui.info(f"Airflow: {book.airflow} (logs of each task), JobHistory: {book.jobhistory}/jobhistory")


def alerts(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """The alerts the pipeline sent (failed tasks), as received by the lab's alert sink."""
    received = _received_alerts()
    if as_json:
        out.print_json(data=received)
        return
    table = Table(title="Alerts")
    for column in ("received", "dag", "run", "task", "try", "error"):
        table.add_column(column, overflow="fold")
    for alert in received:
        table.add_row(alert.get("received_at", ""), alert.get("dag_id", ""), alert.get("run_id", ""), alert.get("task_id", "") + (f" [{alert['map_index']}]" if alert.get("map_index") else ""), str(alert.get("try_number", "")), (alert.get("error") or "")[:200])
    out.print(table if received else "No alert received.")


def _received_alerts() -> list[dict]:
    import requests

    from labctl.core.errors import ServiceUnreachable

    book = ab.current()
    url, timeout = f"{book.alert_sink}/alerts", book.timeouts.rest
    hint = "is the lab up? `labctl status` shows alert-sink; `labctl logs alert-sink` says why it is not"
    try:
        received = clients.get_json(url, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as error:
        raise ServiceUnreachable("the alert sink", url, error, timeout, hint=hint) from None
    except (requests.HTTPError, ValueError) as error:
        raise LabError(f"the alert sink at {url} answered something else than its list of alerts ({error.__class__.__name__})",
                       hint=hint) from None
    if not isinstance(received, list):
        raise LabError(f"the alert sink at {url} answered {type(received).__name__}, not a list of alerts", hint=hint)
    return received


def smoke(
    select: Annotated[Optional[str], typer.Option("-k", help="Only the tests matching this pytest expression.")] = None,
    report: Annotated[Path, typer.Option("--junitxml", help="Where the JUnit XML report goes.")] = Path("reports/smoke.xml"),
) -> None:
    """Run the end-to-end smoke tests (smoke_tests/) against the running lab, with a JUnit
    report and a one-line summary. Some reshape the lab on purpose: they seed extra data,
    restart the replay server, scale to two workers and back, and start a second lab beside it."""
    import subprocess
    import sys

    from labctl.core import junit, lab

    manifest = Manifest()
    if manifest.lab is not None:
        # Some files find the lab's containers by the default project's name, and one starts a
        # lab of its own beside it: run against a named lab, they would test the default one.
        raise LabError(f"the smoke tests run against the default lab only, not lab {manifest.lab!r}",
                       hint="run them without --lab (or on a machine of their own)")
    if not lab.containers(manifest):
        raise LabError("no lab is running", hint="`labctl up` first (scripts/test.sh starts one itself)")
    root = Path(__file__).resolve().parents[2]
    report.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pytest", str(root / "smoke_tests"), f"--junitxml={report}", "-q"] + (["-k", select] if select else [])
    code = subprocess.run(argv, cwd=root, check=False).returncode
    junit.main([str(report)])
    if code != 0:
        raise typer.Exit(code=code)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 40


def register(app: typer.Typer) -> None:
    # deploy lays out the lab through its edge node; alerts reads the lab's sink; smoke tests the lab.
    for command in (deploy, run, alerts, smoke):
        app.command()(command if command is run else edge.lab_only(command.__name__)(command))
