"""What every command group shares: known failures (LabError) reported the one way
(labctl.core.ui.error) with exit code 1, whether the group runs under `labctl` or alone
(a test's CliRunner)."""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from labctl.core import ui
from labctl.core.errors import LabError


class LabGroup(TyperGroup):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LabError as exc:
            ui.error(exc)
            raise typer.Exit(code=1) from None


def group(**settings) -> typer.Typer:
    """A Typer app for a group of commands."""
    settings.setdefault("add_completion", False)
    return typer.Typer(cls=LabGroup, **settings)


def run_command(ctx: typer.Context, argv: list[str]) -> int:
    """Run another labctl command line from a command (`seed` runs `collect` or `ingest`), with
    its declared placement: on the edge node from the host, here elsewhere. Its exit code."""
    from labctl.core import edge

    edge.remember_argv(argv)
    code = ctx.find_root().command.main(args=argv, prog_name="labctl", standalone_mode=False)
    return code if isinstance(code, int) else 0
