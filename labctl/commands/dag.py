"""`labctl dag package`: the pipeline (DAG, Streaming jobs, the labctl modules they import) as
one archive for an existing Airflow, with its requirements and a README of what it needs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from labctl.commands.base import group
from labctl.core import ui

app = group(help="The pipeline's DAG for an existing Airflow: one archive to install (docs/cluster.md).", no_args_is_help=True)
HELP_ORDER = 145


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="dag", help="The pipeline's DAG for an existing Airflow: one archive with its requirements (docs/cluster.md).")


@app.command("package")
def package_command(
    out: Annotated[Path, typer.Argument(help="A folder to write mastodon-pipeline-VERSION.tar.gz into, or the .tar.gz to write.")],
) -> None:
    """Write the DAG, the Streaming jobs and the modules of labctl they import as one .tar.gz,
    with requirements.txt (pinned from the lab Airflow's lock) and a README of what an existing
    Airflow and its workers need (the Hadoop client, Variables, Connections, environment)."""
    from labctl import __version__
    from labctl.pipeline.package import build

    path = build(out, __version__)
    ui.info(f"DAG package written: {path}")
    ui.data(str(path))
