"""Lifecycle of the lab: up, down, status, urls, logs, build, doctor, version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from labctl.core import compose as dc
from labctl.core import doctor as doc
from labctl.core import engine as eng
from labctl.core.edge import EDGE_SERVICE, EDGE_USER
from labctl.core import lab
from labctl.core.images import default_ca_bundle
from labctl.core.manifest import Manifest
from labctl.core.ui import err, out

WorkersOption = Annotated[int, typer.Option("--workers", min=1, max=4, help="Workers: DataNode + NodeManager + RegionServer each.", envvar="LAB_WORKERS")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def up(
    workers: WorkersOption = 1,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every service to work.")] = 900,
    no_build: Annotated[bool, typer.Option("--no-build", help="Fail instead of building missing images.")] = False,
) -> None:
    """Build what is missing, start the lab, wait until every service really works, print the URLs."""
    manifest = Manifest()
    lab.up(manifest, workers=workers, timeout=timeout, build_missing=not no_build)
    _print_urls(manifest)


def down(volumes: Annotated[bool, typer.Option("--volumes", help="Also wipe the data volumes (HDFS, HBase, Airflow).")] = False) -> None:
    """Stop the lab, keeping its data volumes unless --volumes."""
    lab.down(Manifest(), volumes=volumes)


def status(as_json: JsonOption = False) -> None:
    """Each service and each health check, with what it saw."""
    manifest = Manifest()
    containers = lab.containers(manifest)
    checks = lab.run_checks(manifest, lab.running_workers(manifest)) if containers else []
    if as_json:
        out.print_json(data={"containers": containers, "checks": [{"name": r.check.name, "ok": r.ok, "detail": r.detail} for r in checks]})
        return
    table = Table(title="Containers")
    for column in ("service", "container", "state", "health"):
        table.add_column(column)
    for row in containers:
        colour = "green" if row["health"] in ("healthy", "-") and row["state"] == "running" else "red"
        table.add_row(row["service"], row["container"], f"[{colour}]{row['state']}[/]", row["health"])
    out.print(table if containers else "[yellow]The lab is not running.[/] Start it with `labctl up`.")
    if checks:
        health = Table(title="Health checks")
        for column in ("check", "ok", "what it saw"):
            health.add_column(column)
        for result in checks:
            health.add_row(result.check.name, "[green]yes[/]" if result.ok else "[red]no[/]", result.detail)
        out.print(health)
    if not containers or not all(result.ok for result in checks):
        raise typer.Exit(code=1)


def urls(as_json: JsonOption = False) -> None:
    """Every web UI and endpoint, and the Airflow login."""
    manifest = Manifest()
    if as_json:
        out.print_json(data=lab.urls(manifest))
        return
    _print_urls(manifest)


def _print_urls(manifest: Manifest) -> None:
    table = Table(title="Mastodon Analytics Lab")
    table.add_column("what")
    table.add_column("where")
    for row in lab.urls(manifest):
        table.add_row(row["name"], row["url"])
    out.print(table)


def logs(
    service: Annotated[str, typer.Argument(help="A compose service, e.g. namenode, hbase-master, airflow-scheduler.")],
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")] = False,
    tail: Annotated[int, typer.Option(help="Lines from the end.")] = 200,
) -> None:
    """One service's log."""
    args = ["logs", "--no-color", "--tail", str(tail)] + (["--follow"] if follow else []) + [service]
    dc.compose(Manifest(), *args, capture=False)


def build(
    images: Annotated[list[str] | None, typer.Argument(help="Images to build: jvm, airflow, postgres (default: all).")] = None,
    ca_bundle: Annotated[Path | None, typer.Option("--ca-bundle", envvar="LAB_CA_BUNDLE", help="PEM bundle that apt, pip and Maven must trust during the build (TLS-intercepting proxies).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Rebuild every layer.")] = False,
) -> None:
    """(Re)build the lab's images, locally: nothing is pulled."""
    lab.build(Manifest(), only=images or None, ca_bundle=ca_bundle or default_ca_bundle(), no_cache=no_cache)


def doctor(fix: Annotated[bool, typer.Option("--fix", help="Install and start what can be (Debian/Ubuntu as root).")] = False) -> None:
    """Prerequisites (engine, compose, memory, free ports, disk) and how to fix each."""
    findings = doc.diagnose(Manifest(), fix=fix)
    table = Table(title="labctl doctor")
    for column in ("check", "ok", "detail", "how to fix"):
        table.add_column(column, overflow="fold")
    for finding in findings:
        table.add_row(finding.name, "[green]yes[/]" if finding.ok else "[red]no[/]", finding.detail, "" if finding.ok else finding.fix)
    out.print(table)
    if not all(finding.ok for finding in findings):
        raise typer.Exit(code=1)


def version(
    as_json: JsonOption = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="The table docs/versions.md is made of.")] = False,
) -> None:
    """Every pinned version: the lab's stack (stack/lab.env) and labctl's Python libraries."""
    from labctl.core.versions import all_versions, markdown_table

    versions = all_versions(Manifest())
    if as_json:
        out.print_json(data=versions)
    elif markdown:
        out.print(markdown_table(versions), markup=False, highlight=False, soft_wrap=True)
    else:
        table = Table(title="Pinned versions")
        table.add_column("component")
        table.add_column("version")
        for name, value in versions.items():
            table.add_row(name, value)
        out.print(table)




def exec_(
    command: Annotated[list[str], typer.Argument(help="The command and its arguments (put `--` before them).")],
    service: Annotated[str, typer.Option("--service", "-s", help="Compose service to run in (default: the edge node, with hdfs/hadoop/yarn/mapred).")] = EDGE_SERVICE,
) -> None:
    """Run a command in a lab container, e.g. `labctl exec -- hdfs dfs -ls /`."""
    # On the edge node, as its service user: what a task does, not root.
    code, output = eng.exec_in(service, command, user=EDGE_USER if service == EDGE_SERVICE else None, check=False)
    out.print(output, end="", markup=False, highlight=False, soft_wrap=True)
    if code != 0:
        raise typer.Exit(code=code)


def register(app: typer.Typer) -> None:
    app.command("exec", context_settings={"allow_interspersed_args": False})(exec_)
    for command in (up, down, status, urls, logs, build, doctor, version):
        app.command()(command)
