"""Lifecycle of the lab: up, down, status, urls, logs, build, doctor, version."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from labctl.core import compose as dc
from labctl.core import doctor as doc
from labctl.core import engine as eng
from labctl.core import figures
from labctl.core.edge import EDGE_USER, edge_service
from labctl.core.errors import LabError
from labctl.core import lab, ui
from labctl.core.images import default_ca_bundle
from labctl.core.manifest import OPTIONAL_SERVICES, Manifest
from labctl.core.ui import err, out

WorkersOption = Annotated[int, typer.Option("--workers", min=1, max=4, help="Workers: DataNode + NodeManager + RegionServer each.", envvar="LAB_WORKERS")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def up(
    workers: WorkersOption = 1,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every service to work.")] = 900,
    no_build: Annotated[bool, typer.Option("--no-build", help="Fail instead of building missing images.")] = False,
    with_services: Annotated[list[str] | None, typer.Option("--with", metavar="|".join(OPTIONAL_SERVICES), help="Also start an optional service (off by default), e.g. --with notebook for JupyterLab.")] = None,
    profile: Annotated[str | None, typer.Option("--profile", metavar="NAME", help="Resource profile: standard or small (heaps, YARN memory; stack/lab.env), remembered by the lab for later commands; `labctl doctor` says which fits.", show_default=False)] = None,
) -> None:
    """Build what is missing, start the lab, wait until every service really works, print the URLs."""
    manifest = Manifest()
    lab.up(manifest, workers=workers, timeout=timeout, build_missing=not no_build, with_services=tuple(with_services or ()), profile=profile)
    _print_urls(manifest)


def down(volumes: Annotated[bool, typer.Option("--volumes", help="Also wipe the data volumes (HDFS, HBase, Airflow).")] = False) -> None:
    """Stop the lab, keeping its data volumes unless --volumes."""
    lab.down(Manifest(), volumes=volumes)


def status(
    as_json: JsonOption = False,
    runs: Annotated[int, typer.Option("--runs", min=1, max=100, help="How many of the pipeline's last DAG runs to show.")] = figures.RUNS,
) -> None:
    """Each service and each health check, with what it saw; then each layer's key figures."""
    manifest = Manifest()
    containers, checks, layers = status_data(manifest, runs)
    if as_json:
        out.print_json(data=status_json(containers, checks, layers))
    else:
        _print_status(containers, checks, layers)
    # The figures inform; only the health checks decide the exit status.
    if not containers or not all(result.ok for result in checks):
        raise typer.Exit(code=1)


def status_data(manifest: Manifest, runs: int = figures.RUNS) -> tuple[list[dict], list, dict[str, dict]]:
    containers = lab.containers(manifest)
    # The figures are asked while the health checks run: status takes the longer of the two, not their sum.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(figures.collect, manifest, runs=runs) if containers else None
        checks = lab.run_checks(manifest, lab.running_workers(manifest)) if containers else []
        layers = pending.result() if pending else figures.not_running()
    return containers, checks, layers


def status_json(containers: list[dict], checks: list, layers: dict[str, dict]) -> dict:
    return {"containers": containers, "checks": [{"name": r.check.name, "ok": r.ok, "detail": r.detail} for r in checks], "figures": layers}


def _print_status(containers: list[dict], checks: list, layers: dict[str, dict]) -> None:
    table = Table(title="Containers")
    for column in ("service", "container", "state", "health"):
        table.add_column(column)
    for row in containers:
        # Docker runs the containers' own checks once a minute: "starting" is not a fault.
        colour = "red" if row["state"] != "running" or row["health"] == "unhealthy" else "yellow" if row["health"] == "starting" else "green"
        table.add_row(row["service"], row["container"], f"[{colour}]{row['state']}[/]", row["health"])
    out.print(table if containers else "[yellow]The lab is not running.[/] Start it with `labctl up`.")
    if not containers:
        return
    if checks:
        health = Table(title="Health checks")
        for column in ("check", "ok", "what it saw"):
            health.add_column(column)
        for result in checks:
            health.add_row(result.check.name, "[green]yes[/]" if result.ok else "[red]no[/]", result.detail)
        out.print(health)
    for title, render in (("HDFS", _hdfs_rows), ("YARN", _yarn_rows), ("HBase", _hbase_rows)):
        _print_layer(title, layers[title.lower()], render)
    _print_airflow(layers["airflow"])


def _alarm(value: int, text: str | None = None) -> str:
    """A count that should be zero: red when it is not."""
    text = str(value) if text is None else text
    return f"[red]{text}[/]" if value else text


def _hdfs_rows(f: dict) -> list[tuple[str, str]]:
    return [
        ("capacity", ui.size(f["capacity_bytes"])),
        ("used by HDFS", f"{ui.size(f['used_bytes'])} ({f['used_percent']:.2f} %)"),
        ("used by other files", ui.size(f["non_dfs_used_bytes"])),
        ("remaining", ui.size(f["remaining_bytes"])),
        ("DataNodes live / dead", f"{f['live_datanodes']} / {_alarm(f['dead_datanodes'])}"),
        ("blocks under-replicated / missing / corrupt", " / ".join(_alarm(f[key]) for key in ("under_replicated_blocks", "missing_blocks", "corrupt_blocks"))),
        ("files / blocks", f"{f['files']} / {f['blocks']}"),
    ]


def _yarn_rows(f: dict) -> list[tuple[str, str]]:
    return [
        ("applications running / pending", f"{f['apps_running']} / {f['apps_pending']}"),
        ("applications completed / failed / killed", f"{f['apps_completed']} / {_alarm(f['apps_failed'])} / {f['apps_killed']}"),
        ("NodeManagers active / lost / unhealthy", f"{f['nodes_active']} / {_alarm(f['nodes_lost'])} / {_alarm(f['nodes_unhealthy'])}"),
        ("containers running", str(f["containers_running"])),
        ("memory used / total", f"{f['memory_used_mb']} / {f['memory_total_mb']} MB"),
        ("vcores used / total", f"{f['vcores_used']} / {f['vcores_total']}"),
    ]


def _rate(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _hbase_rows(f: dict) -> list[tuple[str, str]]:
    rows = [
        ("master", "active" if f["active_master"] else "[red]not active[/]"),
        ("region servers live / dead", f"{f['region_servers']} / {_alarm(f['dead_region_servers'])}"),
        ("regions (average per server)", f"{f['regions']} ({f['average_load']:g})"),
        ("regions in transition", _alarm(f["regions_in_transition"])),
        ("requests per s, 1-min rate (reads + writes)", _rate(f["requests_per_s"])),
        ("requests since start (RPCs, master's count)", str(f["requests_total"])),
    ]
    for server in f["servers"]:
        detail = "[yellow]its own endpoint did not answer[/]" if server["regions"] is None else f"{server['regions']} regions, {_rate(server['reads_per_s'])} + {_rate(server['writes_per_s'])}"
        rows.append((f"  {server['server']}", detail))
    for server in f["unknown_servers_reporting"]:
        rows.append((f"  {server}", "[yellow]answers, but the master does not count it live[/]"))
    return rows


def _print_layer(title: str, layer: dict, render) -> None:
    if "unavailable" in layer:
        out.print(f"[bold]{title}[/]: [red]unavailable: {escape(layer['unavailable'])}[/]")
        return
    table = Table(title=f"{title} ({layer['source']})")
    table.add_column("figure")
    table.add_column("value")
    for name, value in render(layer):
        table.add_row(name, value)
    out.print(table)


def _utc(stamp: str | None) -> str:
    """Airflow's ISO stamps, to the minute: the run table fits 80 columns with whole run ids."""
    if not stamp:
        return "-"
    return datetime.fromisoformat(stamp).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


RUN_COLOURS = {"success": "green", "failed": "red", "running": "yellow", "queued": "yellow"}


def _print_airflow(layer: dict) -> None:
    if "unavailable" in layer:
        out.print(f"[bold]Airflow[/]: [red]unavailable: {escape(layer['unavailable'])}[/]")
        return
    schedule = "[yellow]paused[/]" if layer["paused"] else f"schedule {escape(layer['schedule'] or '-')}, next run {_utc(layer['next_run_after'])}"
    title = f"Airflow: {layer['dag_id']}, {schedule}"
    if not layer["runs"]:
        out.print(f"{title}: no runs yet")
        return
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("state", "started (UTC)", "took"):
        table.add_column(column, no_wrap=True)
    table.add_column("run", overflow="fold")
    for run in layer["runs"]:
        colour = RUN_COLOURS.get(run["state"], "white")
        table.add_row(f"[{colour}]{run['state']}[/]", _utc(run["start"]), _duration(run["duration_s"]), escape(run["run_id"]))
    out.print(table)


def urls(
    as_json: JsonOption = False,
    show_passwords: Annotated[bool, typer.Option("--show-passwords", help="Also print the Airflow logins' passwords (kept in .lab/secrets/).")] = False,
) -> None:
    """Every web UI and endpoint, and the Airflow logins."""
    manifest = Manifest()
    if as_json:
        out.print_json(data=lab.urls(manifest, show_passwords))
        return
    _print_urls(manifest, show_passwords)


def _print_urls(manifest: Manifest, show_passwords: bool = False) -> None:
    table = Table(title="Mastodon Analytics Lab")
    table.add_column("what")
    table.add_column("where")
    for row in lab.urls(manifest, show_passwords):
        table.add_row(row["name"], row["url"])
    out.print(table)


def logs(
    service: Annotated[str | None, typer.Argument(help="A compose service, e.g. namenode, hbase-master, airflow-scheduler (default: all of them, followed).", show_default=False)] = None,
    follow: Annotated[bool | None, typer.Option("--follow/--no-follow", "-f", help="Keep printing new lines (default: only when no service is named).", show_default=False)] = None,
    tail: Annotated[int, typer.Option(help="Lines from the end, per service.")] = 200,
    export: Annotated[Path | None, typer.Option("--export", metavar="FILE", help="Write a .tar.gz of every service's log, `status --json` and `version`, secrets scrubbed (for a bug report or CI).")] = None,
) -> None:
    """One service's log, or every service's, each line prefixed with its container."""
    manifest = Manifest()
    if export is not None:
        _export_logs(manifest, export)
        return
    follow = service is None if follow is None else follow
    # Every profile: a running notebook's log is the lab's too.
    args = [*dc.all_profiles(), "logs", "--no-color", "--tail", str(tail)] + (["--follow"] if follow else []) + ([service] if service else [])
    dc.compose(manifest, *args, capture=False)


def _export_logs(manifest: Manifest, path: Path) -> None:
    import json

    from labctl.core import bundle
    from labctl.core.versions import all_versions

    files = bundle.container_logs(eng.client(), manifest.project)
    files["status.json"] = json.dumps(status_json(*status_data(manifest)), indent=2, default=str)
    files["version.json"] = json.dumps(all_versions(manifest), indent=2)
    written = bundle.write_bundle(path, files, bundle.secret_values(manifest))
    err.print(f"{len(written)} files, secrets scrubbed, in", highlight=False)
    out.print(str(path), markup=False, highlight=False)


def build(
    images: Annotated[list[str] | None, typer.Argument(help="Images to build: jvm, airflow, postgres (default: all).")] = None,
    ca_bundle: Annotated[Path | None, typer.Option("--ca-bundle", envvar="LAB_CA_BUNDLE", help="PEM bundle that apt, pip and Maven must trust during the build (TLS-intercepting proxies).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Rebuild every layer.")] = False,
) -> None:
    """(Re)build the lab's images, locally: nothing is pulled."""
    lab.build(Manifest(), only=images or None, ca_bundle=ca_bundle or default_ca_bundle(), no_cache=no_cache)


def doctor(
    fix: Annotated[bool, typer.Option("--fix", help="Install and start what can be (Debian/Ubuntu as root).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Prerequisites (engine, compose, the engine's memory and CPUs, disk, free ports) and how to fix each; which resource profile fits and how many labs of each the engine holds."""
    findings = doc.diagnose(Manifest(), fix=fix)
    if as_json:
        out.print_json(data=[{"check": f.name, "ok": f.ok, "detail": f.detail, "fix": "" if f.ok else f.fix, **({"data": f.data} if f.data else {})} for f in findings])
    else:
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
    markdown: Annotated[bool, typer.Option("--markdown", help="Print docs/versions.md: the pinned and locked versions as a Markdown table.")] = False,
    write: Annotated[bool, typer.Option("--write", help="With --markdown: write docs/versions.md instead of printing it.")] = False,
) -> None:
    """Every pinned and locked version: the stack (stack/lab.env), labctl's Python libraries
    (pyproject.toml, requirements.lock) and the images' constraints files."""
    from labctl.core.versions import VERSIONS_DOC, all_versions, versions_document

    if write and not markdown:
        raise LabError("--write goes with --markdown", hint="labctl version --markdown --write")
    if markdown:
        document = versions_document()
        if write:
            VERSIONS_DOC.write_text(document)
            err.print(f"wrote {VERSIONS_DOC.relative_to(VERSIONS_DOC.parents[1])}", highlight=False)
        else:
            ui.raw(document)
        return
    versions = all_versions(Manifest())
    if as_json:
        out.print_json(data=versions)
        return
    table = Table(title="Pinned and locked versions")
    table.add_column("component")
    table.add_column("version")
    for name, value in versions.items():
        table.add_row(name, value)
    out.print(table)


def exec_(
    command: Annotated[list[str], typer.Argument(help="The command and its arguments (put `--` before them).")],
    service: Annotated[str | None, typer.Option("--service", "-s", show_default=False, help="Compose service to run in (default: the edge node, with hdfs/hadoop/yarn/mapred).")] = None,
) -> None:
    """Run a command in a lab container, e.g. `labctl exec -- hdfs dfs -ls /`."""
    # On the edge node, as its service user: what a task does, not root.
    edge = edge_service()
    service = service or edge
    code, output = eng.exec_in(service, command, user=EDGE_USER if service == edge else None, check=False)
    ui.raw(output)
    if code != 0:
        raise typer.Exit(code=code)


def shell(
    service: Annotated[str | None, typer.Argument(show_default=False, help="The compose service (default: the edge node, with hdfs/hadoop/yarn/mapred and labctl).")] = None,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Run as this user (default: the edge node's service user; elsewhere the image's).")] = None,
) -> None:
    """An interactive shell in a lab container, with a terminal (`docker exec -it`)."""
    import os
    import sys

    from labctl.core.shell import shell_argv

    edge = edge_service()
    service = service or edge
    container = eng.service_container(eng.client(), service)
    argv = shell_argv(container.name, user=user or (EDGE_USER if service == edge else None), tty=sys.stdin.isatty(), edge=service == edge)
    sys.stdout.flush()
    sys.stderr.flush()
    # The docker CLI owns the terminal from here: raw mode, resizes, signals, exit status.
    os.execv(argv[0], argv)


def clean(yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False) -> None:
    """Remove what the lab installed: its containers and volumes (all data), its images,
    its generated secrets and the compose plugin link bootstrap made. Nothing else."""
    from labctl.core import clean as cl

    manifest = Manifest()
    engine = eng.client()
    items = cl.plan(manifest, engine)
    table = Table(title="labctl clean removes")
    table.add_column("what")
    table.add_column("name", overflow="fold")
    for item in items:
        table.add_row(item.kind, item.name)
    out.print(table if items else "Nothing of the lab's is left to remove.")
    if not items:
        return
    if not yes and not typer.confirm("Remove all of this? The lab's data goes with its volumes", default=False):
        raise typer.Exit(code=1)
    with ui.step("removing the lab's containers, volumes, images, secrets and plugin link"):
        cl.execute(manifest, engine, items)


def register(app: typer.Typer) -> None:
    app.command("exec", context_settings={"allow_interspersed_args": False})(exec_)
    for command in (up, down, status, urls, logs, shell, build, doctor, version, clean):
        app.command()(command)
