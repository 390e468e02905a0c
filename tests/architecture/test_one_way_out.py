"""One output path and one error path: every console and progress display is labctl/core/ui.py's,
and commands report a known failure by raising LabError (shown by ui.error), never by printing it."""

from __future__ import annotations

import ast
from pathlib import Path

from typer.testing import CliRunner

from labctl.commands import query
from labctl.commands.base import group
from labctl.core.errors import LabError

ROOT = Path(__file__).resolve().parents[2]


def _constructed(tree: ast.AST) -> set[str]:
    """Rich consoles and progress displays made here: Console(), Live(), Progress(), a console's .status()."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("Console", "Live", "Progress"):
            found.add(name)
        elif name == "status" and isinstance(func, ast.Attribute):
            receiver = func.value.id if isinstance(func.value, ast.Name) else getattr(func.value, "attr", "")
            if receiver in ("err", "out", "console", "diagnostics"):
                found.add("status")
    return found


def test_only_core_ui_makes_consoles_and_progress_displays(shape):
    offenders = {}
    for path in shape.python_files():
        where = path.relative_to(ROOT).as_posix()
        made = _constructed(ast.parse(path.read_text(encoding="utf-8")))
        if made and where != "labctl/core/ui.py":
            offenders[where] = sorted(made)
    assert offenders == {}


def test_no_command_prints_its_own_errors(shape):
    printing = [path.relative_to(ROOT).as_posix() for path in shape.python_files()
                if "[red]error" in path.read_text(encoding="utf-8") and path.name != "ui.py"]
    assert printing == []


def test_a_command_group_alone_reports_a_lab_error_as_labctl_does():
    app = group()

    @app.command()
    def fail() -> None:
        raise LabError("the [lake] is gone", hint="`labctl up`", details="what the daemon said")

    @app.command()
    def other() -> None:
        pass

    result = CliRunner().invoke(app, ["fail"])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "error: the [lake] is gone" in result.stderr and "hint: `labctl up`" in result.stderr
    assert "what the daemon said" in result.stderr


def test_query_keeps_the_hint_of_a_connection_failure(monkeypatch):
    def refused(*_args, **_kwargs):
        raise LabError("cannot reach HBase's Thrift server at h:1: refused", hint="is the lab up?")

    monkeypatch.setattr(query, "connect", refused)
    result = CliRunner().invoke(query.app, ["query", "totals"])
    assert result.exit_code == 1 and "hint: is the lab up?" in result.stderr


def _writes_past_ui(tree: ast.AST) -> set[str]:
    """Calls that print to the terminal without labctl/core/ui.py: print(), typer.echo(), click.echo()."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "print":
                found.add("print")
            elif isinstance(func, ast.Attribute) and func.attr in ("echo", "secho") and isinstance(func.value, ast.Name):
                found.add(f"{func.value.id}.{func.attr}")
    return found


def test_command_modules_print_only_through_core_ui(shape):
    offenders = {}
    for path in shape.python_files():
        where = path.relative_to(ROOT).as_posix()
        if where.startswith("labctl/commands/"):
            found = _writes_past_ui(ast.parse(path.read_text(encoding="utf-8")))
            if found:
                offenders[where] = sorted(found)
    assert offenders == {}


def test_the_printing_detector_sees_each_way_past_ui():
    tree = ast.parse("print(1)\ntyper.echo('x')\nclick.secho('y')\nui.data('z')\nout.print('w')\n")
    assert _writes_past_ui(tree) == {"print", "typer.echo", "click.secho"}


def test_data_and_other_programs_output_reach_stdout_byte_for_byte(capsys):
    from labctl.core import ui

    text = 'a\tb :smile: [red]not markup[/] {"x": 1} ' + "y" * 300
    ui.data(text)
    ui.raw(text)
    ui.data(text, end="")
    assert capsys.readouterr().out == f"{text}\n{text}{text}"
