"""`labctl status`: each service and health check, then each layer's key figures, rendered."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from labctl.core import addresses as ab
from labctl.core import figures, ui
from labctl.core.manifest import Manifest
from labctl.core.status import as_json as status_json
from labctl.core.status import gather
from labctl.core.ui import out

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def status(
    as_json: JsonOption = False,
    runs: Annotated[int, typer.Option("--runs", min=1, max=100, help="How many of the pipeline's last DAG runs to show.")] = figures.RUNS,
) -> None:
    """Each service and each health check, with what it saw; then each layer's key figures."""
    manifest = Manifest()
    book = ab.current(manifest)
    containers, checks, layers = gather(manifest, runs)
    if as_json:
        out.print_json(data=status_json(containers, checks, layers, book.target))
    elif book.is_lab:
        _print_status(containers, checks, layers)
    else:
        _print_profile_status(book.target, layers)
    if not book.is_lab:
        # A cluster has no lab health checks: a layer that does not answer decides instead.
        if any("unavailable" in layer for layer in layers.values()):
            raise typer.Exit(code=1)
        return
    # The figures inform; only the health checks decide the exit status.
    if not containers or not all(result.ok for result in checks):
        raise typer.Exit(code=1)


def _print_profile_status(target: str, layers: dict[str, dict]) -> None:
    out.print(f"Target: the cluster profile {escape(target)} (no containers: each layer's figures from its own endpoint)", highlight=False)
    _print_layers(layers)


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
    _print_layers(layers)


def _print_layers(layers: dict[str, dict]) -> None:
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


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 20


def register(app: typer.Typer) -> None:
    app.command()(status)
