"""`labctl bundle export|import|verify`: the offline bundle for classrooms without registry
access (the logic is in labctl/core/offline.py; docs/classroom.md says how to hand it out)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from labctl.commands.base import group
from labctl.core import engine as eng
from labctl.core import offline, ui
from labctl.core.edge import lab_only_group
from labctl.core.images import OPTIONAL_IMAGES
from labctl.core.manifest import Manifest
from labctl.core.ui import err, out

app = group(help="The offline bundle: the lab's images, packages, recording and manifest in one file.", no_args_is_help=True)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 150


def register(parent: typer.Typer) -> None:
    parent.add_typer(
        app, name="bundle",
        help="The offline bundle for classrooms: export the lab to one file, import it with no registry.",
    )


FileArgument = Annotated[Path, typer.Argument(metavar="FILE", help="The bundle file.")]


def _print_parts(index: dict, total: int) -> None:
    table = Table(title=f"Bundle of lab version {index['lab_version']} (Python {index['platform']['python']}, {index['platform']['system']} {index['platform']['machine']})")
    for column in ("part", "what", "size", "sha256"):
        table.add_column(column, overflow="fold")
    for part in index["parts"]:
        table.add_row(part["name"], part["what"], ui.size(part["size"]), part["sha256"][:16])
    table.add_row("[bold]whole file[/]", "", f"[bold]{ui.size(total)}[/]", "")
    out.print(table)


@app.command("export")
def export(
    file: FileArgument,
    with_services: Annotated[list[str] | None, typer.Option("--with", metavar="|".join(OPTIONAL_IMAGES), help="Also carry an optional service's image, e.g. --with notebook (built first).")] = None,
    compress: Annotated[bool, typer.Option("--compress/--no-compress", help="gzip the images (half the size; the import unpacks them in the engine).")] = True,
) -> None:
    """Write the bundle: the built images, the wheels of the locked packages for this platform,
    the recording and the manifest, with each part's size and sha256. Needs PyPI (or a mirror)
    for the wheels; the import needs nothing."""
    started = time.monotonic()
    with ui.step(f"exporting the lab to {file}"):
        index = offline.export_lab(Manifest(), file, eng.client(timeout=3600), optional=tuple(with_services or ()), compress=compress, log=ui.info)
    _print_parts(index, file.stat().st_size)
    err.print(f"exported in {time.monotonic() - started:.0f} s; on the other machine: `labctl bundle import {file.name}` or `scripts/quickstart.sh --bundle {file.name}`", highlight=False)


@app.command("import")
def import_(
    file: FileArgument,
    venv: Annotated[Path | None, typer.Option("--venv", help="The virtualenv to install the packages into (default: the one labctl runs from).", show_default=False)] = None,
) -> None:
    """Check every checksum, the lab version, the lock and the platform; then install the
    packages with no index, restore the recording where it is missing and load the images.
    A refused bundle changes nothing. Then `labctl up` starts without building."""
    started = time.monotonic()
    manifest = Manifest()
    engine = eng.client(timeout=3600)
    with ui.step(f"importing {file}"):
        done = offline.import_lab(manifest, file, engine, venv=venv, log=ui.info)
    _print_parts(done.verified.index, done.verified.size)
    ui.info(f"{done.wheels} packages installed with no index; images loaded: {', '.join(done.images) or 'none'}")
    if done.restored:
        ui.info(f"recording restored: {', '.join(done.restored)}")
    if done.differing:
        ui.info(f"[yellow]kept your own[/] seed_data/recordings/{', '.join(done.differing)} (it differs from the bundle's)")
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in done.seconds.items())
    err.print(f"imported in {time.monotonic() - started:.0f} s ({steps}); now `labctl up --no-build`", highlight=False)


@app.command("verify")
def verify(file: FileArgument) -> None:
    """Check a bundle without importing it: whole, of this lab version, lock and platform."""
    with ui.step(f"checking {file}"):
        verified = offline.verify(file, offline.Local.here(Manifest()["LAB_IMAGE_TAG"]), ui.info)
    _print_parts(verified.index, verified.size)


# The lab's images and packages: refused against a cluster profile.
lab_only_group(app, "bundle")
