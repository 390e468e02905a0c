"""Lifecycle of the lab: up, down, urls, logs, exec, shell, build, doctor, version, clean, labs (`status` is commands/status.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from labctl.core import compose as dc
from labctl.core.addresses import LOOPBACK
from labctl.core import doctor as doc
from labctl.core import engine as eng
from labctl.core.edge import EDGE_USER, edge_service, lab_only
from labctl.core.errors import LabError
from labctl.core import lab, ui
from labctl.core import labs as lb
from labctl.core.images import default_ca_bundle
from labctl.core.manifest import OPTIONAL_SERVICES, Manifest
from labctl.core.ui import err, out

WorkersOption = Annotated[int, typer.Option("--workers", min=1, max=4, help="Workers: DataNode + NodeManager + RegionServer each.", envvar="LAB_WORKERS")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 10


def up(
    workers: WorkersOption = 1,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every service to work.")] = 900,
    no_build: Annotated[bool, typer.Option("--no-build", help="Fail instead of building missing images.")] = False,
    with_services: Annotated[list[str] | None, typer.Option("--with", metavar="|".join(OPTIONAL_SERVICES), help="Also start an optional service (off by default): --with notebook for JupyterLab, --with airflow-triggerer for a DAG of your own that defers tasks.")] = None,
    profile: Annotated[str | None, typer.Option("--profile", metavar="NAME", help="Resource profile: standard or small (heaps, YARN memory; stack/lab.env), remembered by the lab for later commands; `labctl doctor` says which fits.", show_default=False)] = None,
) -> None:
    """Build what is missing, start the lab, wait until every service really works, print the URLs."""
    manifest = lb.ensure_ports(Manifest())
    exposed = lab.exposure(manifest)
    if exposed:
        ui.warn(f"LAB_BIND_ADDRESS={manifest.bind_address}: the lab's ports are published beyond this "
                "machine, and below Airflow nothing asks who is calling:")
        for line in exposed:
            ui.info(f"- {line}")
        ui.info(f"Keep LAB_BIND_ADDRESS={LOOPBACK} (the default) unless a firewall lets only trusted machines in "
                "(docs/stack.md#exposing-the-lab).")
    lab.up(manifest, workers=workers, timeout=timeout, build_missing=not no_build, with_services=tuple(with_services or ()), profile=profile)
    _print_urls(manifest)


def down(volumes: Annotated[bool, typer.Option("--volumes", help="Also wipe the data volumes (HDFS, HBase, Airflow).")] = False) -> None:
    """Stop the lab, keeping its data volumes unless --volumes."""
    lab.down(Manifest(), volumes=volumes)


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
    table = Table(title="Mastodon Analytics Lab" + (f": lab {manifest.lab}" if manifest.lab else ""))
    table.add_column("what")
    table.add_column("where")
    for row in lab.urls(manifest, show_passwords):
        table.add_row(row["name"], lab.where_text(row))
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

    from labctl.core import bundle, status
    from labctl.core.versions import all_versions

    files = bundle.container_logs(eng.client(), manifest.project)
    files["status.json"] = json.dumps(status.as_json(*status.gather(manifest)), indent=2, default=str)
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
    others = [info.name for info in lb.gather(engine, memory=False) if info.project != manifest.project]
    if others and manifest.lab is None:
        ui.info(f"the images stay: the labs {', '.join(others)} use them too")
    items = cl.plan(manifest, engine, shared=not others)
    table = Table(title="labctl clean removes" + (f" (lab {manifest.lab})" if manifest.lab else ""))
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


def labs(as_json: JsonOption = False) -> None:
    """The labs of this host (`labctl --lab NAME` chooses one): each one's state, its main ports,
    its containers' memory now and its resource profile."""
    found = lb.gather(eng.client())
    if as_json:
        out.print_json(data=[info.as_dict() for info in found])
        return
    if not found:
        out.print("No lab on this host: `labctl up` starts the default one, `labctl --lab NAME up` a named one.")
        return
    out.print(labs_table(found))


def labs_table(found) -> Table:
    table = Table(title="Labs on this host")
    for column in ("lab", "state", "containers", "Airflow", "NameNode", "Thrift", "memory", "profile"):
        table.add_column(column, justify="right" if column in ("containers", "memory") else "left")
    colours = {"running": "green", "partial": "yellow", "stopped": "white"}
    for info in found:
        memory = "-" if info.memory_mib is None else f"{info.memory_mib / 1024:.1f} GiB"
        table.add_row(info.name, f"[{colours[info.state]}]{info.state}[/]", f"{info.running}/{info.containers}",
                      *(str(info.ports[key] or "-") for key in lb.MAIN_PORTS), memory, info.profile or "-")
    return table


def register(app: typer.Typer) -> None:
    # The lab's own containers, images and engine: nothing of them on a cluster profile's target.
    app.command("exec", context_settings={"allow_interspersed_args": False})(lab_only("exec")(exec_))
    for command in (up, down, urls, logs, shell, build, doctor, version, clean, labs):
        app.command()(command if command is version else lab_only(command.__name__)(command))
