"""`labctl lake`: the data lake's zones, partitions, batches and record counts; `lake
provision` lays out the zones with their owners, `lake prune` applies retention."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import Annotated, Optional

import typer
from rich.table import Table

from labctl.commands.base import group
from labctl.commands.options import JsonOption, LakeTarget, lake_options
from labctl.core import ui
from labctl.core.edge import on_edge
from labctl.core.ui import out
from labctl.core.errors import LabError
from labctl.lake.catalog import LakeSummary, describe_lake
from labctl.lake.layout import LakeLayout
from labctl.lake.permissions import ADMIN_USER, COLLECTOR_USER, ENGINEER_USER, ETL_USER
from labctl.lake.retention import DEFAULT_KEEP_DAYS, RETENTION_VARIABLE, RUN_ZONES, WORK_KEEP_DAYS, apply_retention

app = group(help="The data lake: zones, partitions, batches and record counts.", invoke_without_command=True)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 70


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="lake", help="The data lake: zones, partitions, batches and record counts.")


KeepDaysOption = Annotated[int, typer.Option(
    "--keep-days", min=1, envvar="LABCTL_RAW_RETENTION_DAYS",
    help="The raw retention in days (the Airflow Variable raw_retention_days; the lab's is read when it answers).")]


def _given(ctx: typer.Context | None, name: str) -> bool:
    """Whether the command line (or the environment) gave `name`, to this command or its group."""
    while ctx is not None:
        source = ctx.get_parameter_source(name)
        if source is not None and source.name != "DEFAULT":
            return True
        ctx = ctx.parent
    return False


@contextmanager
def _lab_retention(params: Mapping[str, object]) -> Iterator[list[str]]:
    """On the host, where Airflow's API and its login are: the lab's own retention setting,
    for the edge node to show, unless --keep-days says another."""
    context = params.get("ctx")
    if isinstance(context, typer.Context) and _given(context, "keep_days"):
        yield []
        return
    from labctl.core import runs
    from labctl.core.clients import airflow

    try:
        setting = runs.variable(airflow(timeout=5), RETENTION_VARIABLE)
    except LabError:  # Airflow not answering: the default is shown, as the DAG would use it
        setting = None
    yield ["--keep-days", setting] if setting else []


@app.callback()
@on_edge(on_host=_lab_retention)
@lake_options(user=ENGINEER_USER)  # data engineers may read every zone (collector may not read the jobs' work area)
def lake_show(ctx: typer.Context, target: LakeTarget, keep_days: KeepDaysOption = DEFAULT_KEEP_DAYS,
              as_json: JsonOption = False) -> None:
    """The lake's zones with their retention, raw partitions and batches, with record counts from the manifests."""
    ctx.obj = target
    if ctx.invoked_subcommand is not None:
        return
    fs, layout = target.open()
    with target.failures():
        summary = describe_lake(fs, layout, keep_days=keep_days)
    if as_json:
        ui.data(summary.to_json())
        return
    _print_summary(summary)


def _print_summary(summary: LakeSummary) -> None:
    zones = Table(title=f"Lake {summary.root}")
    for column in ("zone", "path", "exists", "owner:group", "mode", "runs", "kept"):
        zones.add_column(column)
    for zone in summary.zones:
        zones.add_row(zone.name, zone.path, "yes" if zone.exists else "no", f"{zone.owner}:{zone.group}", zone.mode,
                      str(len(zone.children)) if zone.name in RUN_ZONES else "", zone.retention)
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


@app.command("provision")
@on_edge()
@lake_options(user=ADMIN_USER, inherit=True)
def lake_provision(target: LakeTarget) -> None:
    """Create the lake's zones with their owners and modes (run by `labctl deploy`, as the HDFS superuser)."""
    from labctl.core.clients import webhdfs
    from labctl.lake.permissions import apply_zone_access

    with target.failures():
        zones = apply_zone_access(webhdfs(target.hdfs_user, url=target.url), LakeLayout(target.root))
    for zone in zones:
        out.print(f"{zone.path}  {zone.owner}:{zone.group}  {zone.mode_octal}", highlight=False)


@app.command("prune")
@on_edge()
@lake_options(user=COLLECTOR_USER, inherit=True,
              user_help="HDFS user for every zone (default: each zone's owner, collector for raw, etl for the runs).")
def lake_prune(
    ctx: typer.Context,
    target: LakeTarget,
    keep_days: Annotated[int, typer.Option("--keep-days", min=0, help="Keep raw data collected in the last N days (and curated and quarantine runs as long).")] = DEFAULT_KEEP_DAYS,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be deleted.")] = False,
    today: Annotated[Optional[str], typer.Option("--today", help="Pretend today is YYYY-MM-DD (UTC).")] = None,
) -> None:
    """Delete what is past its retention: raw partitions collected more than --keep-days days
    ago, work runs older than a day, curated and quarantine runs older than --keep-days days
    (the newest run of each zone is kept)."""
    try:
        day = date.fromisoformat(today) if today else datetime.now(timezone.utc).date()
    except ValueError:
        raise typer.BadParameter(f"--today {today!r}: expected YYYY-MM-DD") from None
    verb = "would delete" if dry_run else "deleted"
    expired = removed = 0
    # On HDFS each zone's owner may delete in it: the collector the raw zone, etl the runs.
    given = target.user if _given(ctx, "hdfs_user") else None
    for user, zones in ((COLLECTOR_USER, ("raw",)), (ETL_USER, RUN_ZONES)):
        zone_target = replace(target, user=given or user)
        fs, layout = zone_target.open()
        with zone_target.failures():
            result = apply_retention(fs, layout, keep_days=keep_days, today=day, dry_run=dry_run, zones=zones)
        for path in result.expired if dry_run else result.deleted:
            out.print(f"{verb} {path}")
        for path in result.unreadable:
            ui.warn(f"no date in its name, kept: {path}")
        expired, removed = expired + len(result.expired), removed + len(result.expired if dry_run else result.deleted)
    out.print(f"{expired} partition(s) or run(s) past retention ({keep_days} days; work runs {WORK_KEEP_DAYS}); {verb} {removed}")
