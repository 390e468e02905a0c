"""Collection commands: collect, ingest, record, token check, lake (and lake prune).

Add to the main app without a name (`app.add_typer(collect.app)`) to get `labctl record`,
`labctl token check`, `labctl lake`, `labctl collect` and `labctl ingest`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from click.core import ParameterSource
from hdfs.util import HdfsError
from rich.table import Table

from labctl.collect.access import ALL_TIMELINES, AccessReport, check_access
from labctl.collect.client import ClientOptions, MastodonClient
from labctl.collect.collector import CollectOptions, collect_timeline
from labctl.collect.files import DEFAULT_INSTANCE, DEFAULT_TIMELINE, ingest_files
from labctl.collect.pipeline import DEFAULT_BATCH_SIZE
from labctl.collect.recording import record_timeline
from labctl.collect.timelines import Timeline
from labctl.collect.token import TOKEN_ENV, TOKEN_FILE_ENV, load_token
from labctl.core.edge import on_edge
from labctl.core.errors import LabError
from labctl.lake.catalog import RUN_ZONES, LakeSummary, describe_lake
from labctl.lake.fs import FileSystem, open_filesystem
from labctl.lake.layout import LakeLayout
from labctl.lake.permissions import COLLECTOR_USER
from labctl.lake.retention import DEFAULT_KEEP_DAYS, apply_retention
from labctl.commands.base import group
from labctl.core import ui
from labctl.core.ui import out

app = group(help="Collect Mastodon statuses into the data lake; recordings; the token; the lake.",
                  no_args_is_help=True)
token_app = group(help=f"The Mastodon access token ({TOKEN_ENV} or {TOKEN_FILE_ENV}).", no_args_is_help=True)
lake_app = group(help="The data lake: zones, partitions, batches and record counts.",
                       invoke_without_command=True)
app.add_typer(token_app, name="token")
app.add_typer(lake_app, name="lake")


def _timeline(value: str | Timeline) -> Timeline:
    if isinstance(value, Timeline):  # a default value
        return value
    try:
        return Timeline.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


InstanceOption = Annotated[str, typer.Option("--instance", envvar="MASTODON_INSTANCE",
                                             help="Base URL of the instance, e.g. https://mastodon.social.")]
TimelineOption = Annotated[Timeline, typer.Option("--timeline", parser=_timeline, metavar="public|local|tag:NAME",
                                                  help="Which timeline.", show_default="public")]
LimitOption = Annotated[Optional[int], typer.Option("--limit", min=1,
                                                    help="At most this many statuses; a first run takes the newest N.")]
NoindexOption = Annotated[bool, typer.Option("--include-noindex",
                                             help="Also ingest statuses of authors who set noindex (off by default).")]
LakeOption = Annotated[Optional[str], typer.Option("--lake", envvar="LABCTL_LAKE", show_default="the target's HDFS",
                                                   help="The lake: a local directory, or a NameNode's WebHDFS (http://HOST:PORT).")]
HdfsUserOption = Annotated[str, typer.Option("--hdfs-user", envvar="LABCTL_HDFS_USER",
                                             help="HDFS user for WebHDFS (simple authentication).")]
LakeRootOption = Annotated[str, typer.Option("--lake-root", envvar="LABCTL_LAKE_ROOT", help="The lake's root path.")]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds before a request is abandoned (and retried).")]
AttemptsOption = Annotated[int, typer.Option("--max-attempts", min=1, help="Attempts per request on network errors.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

DEFAULT_LAKE = None  # the target's HDFS, from the address book


@contextmanager
def lake_failures(lake: str | None = None) -> Iterator[None]:
    """The lake's I/O failures as a LabError naming the lake."""
    try:
        yield
    except (OSError, HdfsError) as exc:
        raise lake_error(lake, exc) from None


def lake_error(location: str | None, exc: BaseException) -> LabError:
    """A lake I/O failure as one clear error. WebHDFS errors carry the NameNode's Java stack
    trace: the lines before it say it all."""
    reason = " ".join(itertools.takewhile(lambda line: not line.strip().startswith("at "), str(exc).strip().splitlines())) or type(exc).__name__
    return LabError(f"cannot use the lake at {location}: {reason}",
                    hint="is the lab up (labctl status) and deployed (`labctl deploy` lays out the lake and its owners)? is --lake right?")


def lake_location(lake: str | None) -> str:
    """--lake, or the target's HDFS (its NameNode in the address book)."""
    from labctl.core.addresses import current

    return lake or current().namenode


def _lake(location: str | None, user: str, root: str) -> tuple[FileSystem, LakeLayout]:
    try:
        return open_filesystem(lake_location(location), user=user), LakeLayout(root)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _token() -> str | None:
    token = load_token()
    return token.reveal() if token else None


@app.command()
@on_edge(secrets={TOKEN_FILE_ENV: _token})
def collect(
    instance: InstanceOption,
    timeline: TimelineOption = Timeline("public"),
    limit: LimitOption = None,
    include_noindex: NoindexOption = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Statuses per raw batch file.")] = DEFAULT_BATCH_SIZE,
    lake: LakeOption = DEFAULT_LAKE,
    hdfs_user: HdfsUserOption = "collector",
    lake_root: LakeRootOption = "/lake",
    timeout: TimeoutOption = 30.0,
    max_attempts: AttemptsOption = 6,
    as_json: JsonOption = False,
) -> None:
    """Collect what is new on a timeline into the raw zone (checkpointed: re-runs add only new statuses)."""
    fs, layout = _lake(lake, hdfs_user, lake_root)
    options = CollectOptions(limit=limit, include_noindex=include_noindex, batch_size=batch_size,
                             client=ClientOptions(request_timeout=timeout, max_attempts=max_attempts))
    with lake_failures(lake_location(lake)):
        result = collect_timeline(instance, timeline, fs, layout, token=load_token(), options=options)
    summary = {key: value for key, value in asdict(result).items() if key != "access"}
    summary["statuses_per_second"] = round(result.statuses_per_second, 1)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    out.print(f"[bold]{result.instance}[/] {result.timeline} ({result.mode}): {result.received} received, "
              f"{result.written} written, skipped {result.skipped or 'none'}, {len(result.batches)} batches, "
              f"{result.pages} pages in {result.seconds:.1f}s ({result.statuses_per_second:.0f} statuses/s)")
    out.print(f"checkpoint: {result.position_before or 'none'} → {result.position_after or 'none'}")


@app.command()
@on_edge(uploads="files")
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Statuses files: JSON lines or JSON arrays, gzip or not.")],
    instance_name: Annotated[str, typer.Option("--as-instance", help="Partition name for the instance.")] = DEFAULT_INSTANCE,
    timeline_name: Annotated[str, typer.Option("--as-timeline", help="Partition name for the timeline.")] = DEFAULT_TIMELINE,
    include_noindex: NoindexOption = False,
    force: Annotated[bool, typer.Option("--force", help="Ingest files again even if already ingested (duplicates).")] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per raw batch file.")] = DEFAULT_BATCH_SIZE,
    lake: LakeOption = DEFAULT_LAKE,
    hdfs_user: HdfsUserOption = "collector",
    lake_root: LakeRootOption = "/lake",
    as_json: JsonOption = False,
) -> None:
    """Ingest files of statuses into the raw zone (idempotent per file content)."""
    fs, layout = _lake(lake, hdfs_user, lake_root)
    with lake_failures(lake_location(lake)):
        results = ingest_files(files, fs, layout, instance=instance_name, timeline=timeline_name,
                               include_noindex=include_noindex, batch_size=batch_size, force=force)
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in results], indent=2))
        return
    table = Table(title="Ingested files")
    for column in ("file", "state", "records", "written", "unparsed", "skipped", "batches"):
        table.add_column(column)
    for r in results:
        table.add_row(r.path, r.state, str(r.records), str(r.written), str(r.unparsed),
                      ", ".join(f"{k}: {v}" for k, v in r.skipped.items()) or "0", str(len(r.batches)))
    out.print(table)


@app.command()
def record(
    instance: InstanceOption,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many of the newest statuses to record.")],
    out_path: Annotated[Path, typer.Option("--out", help="Recording to write (gzip JSON lines).")],
    timeline: TimelineOption = Timeline("public"),
    include_noindex: NoindexOption = False,
    timeout: TimeoutOption = 30.0,
    max_attempts: AttemptsOption = 6,
) -> None:
    """Record the newest statuses of a timeline into a file for offline replay (the lake is not touched)."""
    with lake_failures():
        result = record_timeline(instance, timeline, limit, out_path, token=load_token(),
                                 include_noindex=include_noindex,
                                 client_options=ClientOptions(request_timeout=timeout, max_attempts=max_attempts))
    out.print(f"recorded {result.written} statuses (of {result.fetched} fetched, skipped "
              f"{result.skipped or 'none'}) from {instance} ({result.server_version}) into {result.out}")


@token_app.command("store")
def token_store(
    instance: InstanceOption,
    conn_id: Annotated[str, typer.Option("--conn-id", help="The Airflow Connection the DAG reads in live mode.")] = "mastodon_default",
) -> None:
    """Store your token (MASTODON_ACCESS_TOKEN or MASTODON_ACCESS_TOKEN_FILE) in the Airflow
    Connection the DAG's live mode reads: Airflow encrypts it with the lab's Fernet key. It goes
    over the lab's REST API from this process, never through a command line or a log."""
    from labctl.core import clients

    token = load_token()
    if token is None:
        raise LabError("no Mastodon token to store", hint=f"export {TOKEN_ENV} or point {TOKEN_FILE_ENV} at a 0600 file")
    api = clients.airflow()
    body = {"connection_id": conn_id, "conn_type": "generic", "host": instance, "password": token.reveal(),
            "description": "Mastodon access token for the pipeline's live mode (labctl token store)"}
    existing = {c["connection_id"] for c in api.get("/connections", limit=1000).get("connections", [])}
    if conn_id in existing:
        api.request("PATCH", f"/connections/{conn_id}", json=body)
    else:
        api.request("POST", "/connections", json=body)
    out.print(f"stored the token (not shown) for {instance} in the Airflow Connection {conn_id}")


@token_app.command("check")
def token_check(
    instance: InstanceOption,
    timeline: Annotated[Optional[Timeline], typer.Option("--timeline", parser=_timeline,
                                                         metavar="public|local|tag:NAME",
                                                         help="Check one timeline (default: all kinds).")] = None,
    search: Annotated[bool, typer.Option("--search", help="Also require read:search.")] = False,
    timeout: TimeoutOption = 30.0,
    as_json: JsonOption = False,
) -> None:
    """The token's scopes and what the instance lets it read. The token itself is never shown."""
    with lake_failures():
        client = MastodonClient(instance, load_token(), ClientOptions(request_timeout=timeout, max_attempts=2))
        report = check_access(client, [timeline] if timeline else list(ALL_TIMELINES), search=search)
    if as_json:
        typer.echo(json.dumps({**asdict(report), "problems": report.problems, "ok": report.ok}, indent=2))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(code=1)


def _print_report(report: AccessReport) -> None:
    table = Table(title=f"Access to {report.instance_url}", show_header=False)
    table.add_column("what")
    table.add_column("value")
    table.add_row("instance", f"{report.domain} (version {report.version or '?'}, {report.instance_api} instance API)")
    table.add_row("token", "present (not shown)" if report.authenticated else "none: anonymous")
    for problem in report.token_problems:
        table.add_row("[red]token problem[/]", problem)
    if report.authenticated and not report.token_problems:
        table.add_row("scopes", ", ".join(report.scopes) if report.scopes is not None else "not listed by the server")
        table.add_row("missing scopes", "[red]" + ", ".join(report.missing_scopes) + "[/]"
                      if report.missing_scopes else "[green]none[/]")
        if report.excess_scopes:
            table.add_row("more than needed", "[yellow]" + ", ".join(report.excess_scopes)
                          + "[/] (a read-only token is enough)")
    access = report.timelines_access
    for label, problems in report.feeds.items():
        state = "[green]readable[/]" if not problems else "[red]" + "; ".join(problems) + "[/]"
        table.add_row(f"timeline {label}", state)
    if access:
        table.add_row("timelines_access", json.dumps(access))
    for note in report.notes:
        table.add_row("note", note)
    out.print(table)


@lake_app.callback()
@on_edge()
def lake_show(
    ctx: typer.Context,
    lake: LakeOption = DEFAULT_LAKE,
    # Data engineers may read every zone (collector may not read the jobs' work area).
    hdfs_user: HdfsUserOption = "engineer",
    lake_root: LakeRootOption = "/lake",
    as_json: JsonOption = False,
) -> None:
    """The lake's zones, raw partitions and batches, with record counts from the manifests."""
    ctx.obj = (lake, hdfs_user, lake_root)
    if ctx.invoked_subcommand is not None:
        return
    fs, layout = _lake(lake, hdfs_user, lake_root)
    with lake_failures(lake_location(lake)):
        summary = describe_lake(fs, layout)
    if as_json:
        typer.echo(summary.to_json())
        return
    _print_summary(summary)


def _print_summary(summary: LakeSummary) -> None:
    zones = Table(title=f"Lake {summary.root}")
    for column in ("zone", "path", "exists", "owner:group", "mode", "runs"):
        zones.add_column(column)
    for zone in summary.zones:
        zones.add_row(zone.name, zone.path, "yes" if zone.exists else "no", f"{zone.owner}:{zone.group}", zone.mode,
                      str(len(zone.children)) if zone.name in RUN_ZONES else "")
    out.print(zones)
    partitions = Table(title=f"Raw partitions ({summary.records} records in {summary.batches} batches)")
    # Names are what a reader looks for: they keep their whole width, the counts' headers wrap.
    widest = {"instance": max((len(p.instance) for p in summary.partitions), default=8),
              "timeline": max((len(p.timeline) for p in summary.partitions), default=8)}
    for column in ("instance", "timeline", "dt", "hour", "batches", "records", "unparsed", "skipped noindex", "skipped erased"):
        partitions.add_column(column, min_width=widest.get(column), no_wrap=column in widest)
    for p in summary.partitions:
        ok = [b for b in p.batches if b.state == "ok"]
        partitions.add_row(p.instance, p.timeline, p.dt, p.hour, str(len(ok)), str(p.records),
                           str(sum(b.unparsed for b in ok)), str(sum(b.skipped_noindex for b in ok)),
                           str(sum(b.skipped.get("erased", 0) for b in ok)))
    out.print(partitions)
    out.print(f"jobs read: {summary.raw_glob}")
    for problem in summary.problems:
        ui.warn(problem)


@lake_app.command("provision")
@on_edge()
def lake_provision(
    ctx: typer.Context,
    lake: LakeOption = DEFAULT_LAKE,
    lake_root: LakeRootOption = "/lake",
) -> None:
    """Create the lake's zones with their owners and modes (run by `labctl deploy`, as the HDFS superuser)."""
    from labctl.core.clients import webhdfs
    from labctl.lake.permissions import ADMIN_USER, apply_zone_access

    lake = lake_location(lake or ctx.obj[0])  # given after `provision`, or to the group
    with lake_failures(lake):
        zones = apply_zone_access(webhdfs(ADMIN_USER, url=lake), LakeLayout(lake_root))
    for zone in zones:
        out.print(f"{zone.path}  {zone.owner}:{zone.group}  {zone.mode_octal}", highlight=False)


@lake_app.command("prune")
@on_edge()
def lake_prune(
    ctx: typer.Context,
    keep_days: Annotated[int, typer.Option("--keep-days", min=0, help="Keep raw data collected in the last N days.")] = DEFAULT_KEEP_DAYS,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be deleted.")] = False,
    today: Annotated[Optional[str], typer.Option("--today", help="Pretend today is YYYY-MM-DD (UTC).")] = None,
    lake: Annotated[Optional[str], typer.Option("--lake", help="As for `labctl lake`.")] = None,
    hdfs_user: Annotated[Optional[str], typer.Option("--hdfs-user", help="As for `labctl lake`.")] = None,
    lake_root: Annotated[Optional[str], typer.Option("--lake-root", help="As for `labctl lake`.")] = None,
) -> None:
    """Delete raw partitions collected more than --keep-days days ago (retention)."""
    # The lake may be named before `prune` (the group's options) or after it.
    group_lake, group_user, group_root = ctx.obj
    lake = lake_location(lake or group_lake)
    if hdfs_user is None and ctx.parent.get_parameter_source("hdfs_user") in (ParameterSource.DEFAULT, None):
        hdfs_user = COLLECTOR_USER  # the raw zone's owner deletes in it (the group's default only reads)
    fs, layout = _lake(lake, hdfs_user or group_user, lake_root or group_root)
    try:
        day = date.fromisoformat(today) if today else datetime.now(timezone.utc).date()
    except ValueError:
        raise typer.BadParameter(f"--today {today!r}: expected YYYY-MM-DD") from None
    with lake_failures(lake):
        result = apply_retention(fs, layout, keep_days=keep_days, today=day, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for path in result.expired if dry_run else result.deleted:
        out.print(f"{verb} {path}")
    for path in result.unreadable:
        ui.warn(f"not a valid day, kept: {path}")
    out.print(f"{len(result.expired)} partition(s) older than {keep_days} days; {verb} {len(result.expired if dry_run else result.deleted)}")

