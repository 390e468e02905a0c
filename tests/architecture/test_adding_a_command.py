"""A newcomer adding a command touches one module (and the address book for any endpoint):
labctl/commands/__init__.py finds every command module, labctl/cli.py names none of them."""

from __future__ import annotations

import ast
import importlib
import sys
import textwrap
from pathlib import Path

import typer.main
from typer._click import core as click

from labctl import commands
from labctl.cli import app
from labctl.commands import command_modules, register_all
from labctl.commands.base import group

ROOT = Path(__file__).resolve().parents[2]

# `labctl --help` as it stood when discovery replaced cli.py's hand-written list: a new command
# may stand anywhere, but these keep their names and their order.
HELP_BEFORE_DISCOVERY = [
    "exec", "up", "down", "urls", "logs", "shell", "build", "doctor", "version", "clean", "status", "seed",
    "deploy", "run", "alerts", "smoke", "completion", "collect", "ingest", "record", "token", "lake", "query",
    "report", "jobs", "gdpr", "replay", "feeds", "data", "course", "bundle",
]


def _listed(typer_app: typer.Typer) -> list[str]:
    command = typer.main.get_command(typer_app)
    return list(command.list_commands(click.Context(command)))


def test_labctl_help_keeps_every_command_in_its_order():
    listed = _listed(app)
    kept = [name for name in listed if name in HELP_BEFORE_DISCOVERY]
    assert kept == HELP_BEFORE_DISCOVERY


def test_cli_imports_no_command_module():
    tree = ast.parse((ROOT / "labctl" / "cli.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("labctl.commands"):
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names if alias.name.startswith("labctl.commands")}
    found = {module.__name__ for module in command_modules()}
    assert found, "no command module found: the test would prove nothing"
    assert imported & found == set()
    assert not any(name.startswith(tuple(f"{m}." for m in found)) for name in imported)


def test_every_module_of_commands_registers_itself_or_serves_those_that_do(shape):
    """A module without `register` is found by no one: it must be a helper other command modules import."""
    graph = shape.import_graph()
    registering = {module.__name__ for module in command_modules()}
    helpers = {target for module in registering for target in graph[module] if target.startswith("labctl.commands.")}
    everything = {name for name in graph if name.startswith("labctl.commands.")}
    assert everything - registering - helpers == set()


def test_a_new_module_is_found_and_placed_by_its_help_order(tmp_path, monkeypatch):
    package = tmp_path / "newcomer_commands"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("NOTE = 'imported by commands, registers nothing'\n")
    (package / "zebra.py").write_text(textwrap.dedent("""
        def hello() -> None:
            '''Say hello.'''

        HELP_ORDER = 5

        def register(app):
            app.command()(hello)
    """))
    (package / "alpha.py").write_text(textwrap.dedent("""
        def bye() -> None:
            '''Say goodbye.'''

        def register(app):
            app.command()(bye)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        newcomers = importlib.import_module("newcomer_commands")
        assert [m.__name__ for m in command_modules(newcomers)] == ["newcomer_commands.zebra", "newcomer_commands.alpha"]
        fresh = group()
        register_all(fresh, newcomers)
        assert _listed(fresh) == ["hello", "bye"]
    finally:
        for name in [n for n in sys.modules if n.startswith("newcomer_commands")]:
            del sys.modules[name]


def test_the_commands_package_finds_its_own_modules_in_help_order():
    orders = [getattr(module, "HELP_ORDER", commands.LAST) for module in command_modules()]
    assert orders == sorted(orders)
    assert {"labctl.commands.stack", "labctl.commands.gdpr"} <= {module.__name__ for module in command_modules()}
