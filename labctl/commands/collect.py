"""Collection commands: `labctl collect` (a timeline into the raw zone), `labctl ingest` (files
into the raw zone), `labctl record` (a timeline into a file, for offline replay)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from labctl.collect.client import ClientOptions
from labctl.collect.collector import CollectOptions, collect_timeline
from labctl.collect.files import DEFAULT_INSTANCE, DEFAULT_TIMELINE, ingest_files
from labctl.collect.recording import record_timeline
from labctl.collect.timelines import Timeline
from labctl.collect.token import TOKEN_FILE_ENV, load_token
from labctl.collect.writer import DEFAULT_BATCH_SIZE
from labctl.commands.base import group
from labctl.commands.options import (
    AttemptsOption,
    InstanceOption,
    JsonOption,
    LakeTarget,
    NoindexOption,
    TimelineOption,
    TimeoutOption,
    lake_options,
)
from labctl.core.edge import on_edge
from labctl.core import ui
from labctl.core.ui import out
from labctl.lake.permissions import COLLECTOR_USER

app = group(help="Collect Mastodon statuses into the data lake; recordings.", no_args_is_help=True)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 50


def register(parent: typer.Typer) -> None:
    # collect, ingest and record sit at the top level, as users type them.
    parent.add_typer(app)


LimitOption = Annotated[Optional[int], typer.Option("--limit", min=1,
                                                    help="At most this many statuses; a first run takes the newest N.")]


def _token() -> str | None:
    token = load_token()
    return token.reveal() if token else None


@app.command()
@on_edge(secrets={TOKEN_FILE_ENV: _token})
@lake_options(user=COLLECTOR_USER)
def collect(
    instance: InstanceOption,
    target: LakeTarget,
    timeline: TimelineOption = Timeline("public"),
    limit: LimitOption = None,
    include_noindex: NoindexOption = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Statuses per raw batch file.")] = DEFAULT_BATCH_SIZE,
    timeout: TimeoutOption = 30.0,
    max_attempts: AttemptsOption = 6,
    instance_name: Annotated[Optional[str], typer.Option(
        "--as-instance", help="Partition (and checkpoint) name for the instance (default: the instance --instance "
                              "names, its host or the domain a replay URL ends with; never the name the server gives itself).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Collect what is new on a timeline into the raw zone (checkpointed: re-runs add only new statuses)."""
    fs, layout = target.open()
    options = CollectOptions(limit=limit, include_noindex=include_noindex, batch_size=batch_size,
                             client=ClientOptions(request_timeout=timeout, max_attempts=max_attempts))
    with target.failures():
        result = collect_timeline(instance, timeline, fs, layout, token=load_token(), options=options,
                                  instance_name=instance_name)
    summary = {key: value for key, value in asdict(result).items() if key != "access"}
    summary["statuses_per_second"] = round(result.statuses_per_second, 1)
    if as_json:
        ui.data(json.dumps(summary, indent=2))
        return
    out.print(f"[bold]{result.instance}[/] {result.timeline} ({result.mode}): {result.received} received, "
              f"{result.written} written, skipped {result.skipped or 'none'}, {len(result.batches)} batches, "
              f"{result.pages} pages in {result.seconds:.1f}s ({result.statuses_per_second:.0f} statuses/s)")
    out.print(f"checkpoint: {result.position_before or 'none'} → {result.position_after or 'none'}")


@app.command()
@on_edge(uploads="files")
@lake_options(user=COLLECTOR_USER)
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Statuses files: JSON lines or JSON arrays, gzip or not.")],
    target: LakeTarget,
    instance_name: Annotated[str, typer.Option("--as-instance", help="Partition name for the instance.")] = DEFAULT_INSTANCE,
    timeline_name: Annotated[str, typer.Option("--as-timeline", help="Partition name for the timeline.")] = DEFAULT_TIMELINE,
    include_noindex: NoindexOption = False,
    force: Annotated[bool, typer.Option("--force", help="Ingest files again even if already ingested (duplicates).")] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per raw batch file.")] = DEFAULT_BATCH_SIZE,
    as_json: JsonOption = False,
) -> None:
    """Ingest files of statuses into the raw zone (idempotent per file content)."""
    fs, layout = target.open()
    with target.failures():
        results = ingest_files(files, fs, layout, instance=instance_name, timeline=timeline_name,
                               include_noindex=include_noindex, batch_size=batch_size, force=force)
    if as_json:
        ui.data(json.dumps([asdict(r) for r in results], indent=2))
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
    result = record_timeline(instance, timeline, limit, out_path, token=load_token(),
                             include_noindex=include_noindex,
                             client_options=ClientOptions(request_timeout=timeout, max_attempts=max_attempts))
    out.print(f"recorded {result.written} statuses (of {result.fetched} fetched, skipped "
              f"{result.skipped or 'none'}) from {instance} ({result.server_version}) into {result.out}")
