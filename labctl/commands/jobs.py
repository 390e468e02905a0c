"""`labctl jobs`: run the Hadoop Streaming jobs of jobs/ without Hadoop."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from labctl.core import ui
from labctl.core.errors import LabError
from labctl.jobs.local import JobFailed, run_local
from labctl.jobs.output import COUNTED, OutputError, metrics_from_output
from labctl.commands.base import group

app = group(no_args_is_help=True)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 90


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="jobs", help="The Hadoop Streaming jobs: run them locally (map, sort, reduce) without Hadoop.")
TOP = 10


@app.callback()
def jobs() -> None:
    """Run the metric jobs (the same Streaming scripts YARN runs) locally."""


def _table(title: str, columns: Sequence[str], rows: list[Sequence[Any]], total: int) -> Table:
    table = Table(title=title, caption=f"{len(rows)} of {total}" if total > len(rows) else None)
    for number, column in enumerate(columns):
        table.add_column(column, justify="left" if number == 0 else "right")
    for row in rows:
        table.add_row(*(f"{cell:.4g}" if isinstance(cell, float) else str(cell) for cell in row))
    return table


def metric_tables(metrics: dict[str, Any], top: int = TOP) -> list[Table]:
    """Rich tables of the metric document: totals, then the first `top` of every list."""

    def head(section: str) -> list[tuple[str, Any]]:
        return list(islice(metrics[section].items(), top))

    growth = list(metrics["user_growth"].items())[-top:]  # the latest months, in time order
    tables = [
        _table("Totals", ("", "count"), list(metrics["totals"].items()), len(metrics["totals"])),
        _table(
            "Followers",
            ("account", "followers", "following", "statuses"),
            [(h, a["followers"], a["following"], a["statuses_count"]) for h, a in head("followers")],
            len(metrics["followers"]),
        ),
        _table(
            "Engagement",
            ("account", "statuses", "interactions", "followers", "avg interactions", "engagement rate"),
            [
                (h, a["statuses"], a["interactions"], a["followers"], a["avg_interactions"], a["engagement_rate"])
                for h, a in head("engagement")
            ],
            len(metrics["engagement"]),
        ),
        _table(
            "User growth (account creation month)",
            ("month", "new", "cumulative"),
            [(m, g["new"], g["cumulative"]) for m, g in growth],
            len(metrics["user_growth"]),
        ),
    ]
    for section in COUNTED.values():
        unit = "attachments" if section == "media_types" else "statuses"
        title = section.replace("_", " ").capitalize()
        tables.append(_table(title, (section.removesuffix("s").replace("_", " "), unit), head(section), len(metrics[section])))
    by_region = metrics["language_by_region"]
    tables.append(
        _table(
            "Languages by region",
            ("region", "statuses", "top languages"),
            [
                (region, sum(languages.values()), ", ".join(f"{code} {n}" for code, n in islice(languages.items(), 3)))
                for region, languages in islice(by_region.items(), top)
            ],
            len(by_region),
        )
    )
    media = metrics["media_engagement"]
    groups = [(group.replace("_", " "), media[group]) for group in ("with_media", "without_media")]
    groups += list(islice(media["by_type"].items(), top))
    tables.append(
        _table(
            "Media engagement",
            ("statuses of", "statuses", "interactions", "avg interactions"),
            [(name, e["statuses"], e["interactions"], e["avg_interactions"]) for name, e in groups],
            len(groups),
        )
    )
    return tables


def dumps(metrics: dict[str, Any]) -> str:
    text = json.dumps(metrics, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from "\ud800" in the data: escape, stay valid UTF-8
        text = json.dumps(metrics)
    return text


@app.command("run-local")
def run_local_command(
    inputs: Annotated[
        list[Path],
        typer.Option(
            "--input",
            "-i",
            exists=True,
            readable=True,
            help="A file (JSON lines, .gz, or one JSON array) or a directory of them; repeat for more.",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document holding every metric.")] = False,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes running map and reduce tasks (and reduce tasks per step).")
    ] = os.cpu_count() or 1,
) -> None:
    """Map, sort and reduce the inputs with the Streaming scripts, then print the metrics."""
    try:
        with tempfile.TemporaryDirectory(prefix="labctl-jobs-") as workdir:
            run = run_local(inputs, Path(workdir), workers=workers)
            metrics = metrics_from_output(run.lines())
    except (JobFailed, OutputError, OSError, ValueError) as error:
        raise LabError(f"jobs failed: {error}") from error
    read = run.counters[("Mastodon", "records_read")]
    ui.info(f"{read} records read, {metrics['totals']['malformed']} malformed, in {run.seconds['total']:.1f} s")
    if as_json:
        ui.data(dumps(metrics))
        return
    for table in metric_tables(metrics):
        ui.out.print(table)
