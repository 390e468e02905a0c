"""`labctl course`: the exercises, a student's workspace, and the grader."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from labctl.core import ui
from labctl.core.ui import err, out
from labctl.commands.base import group

app = group(no_args_is_help=True)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 140


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="course", help="The course: exercises to build, a workspace each, a grader that checks them.")


class Runner(str, Enum):
    local = "local"
    yarn = "yarn"


ExerciseArgument = Annotated[str, typer.Argument(help="The exercise: its number (2) or name (mentions); `labctl course list`.")]
DirOption = Annotated[Optional[Path], typer.Option("--dir", help="The workspace (default: the current folder if it is one, else course/NN-name).")]


@app.callback()
def course() -> None:
    """Exercises to build, a workspace for each, and a grader that checks the work."""


@app.command("list")
def list_command() -> None:
    """The exercises, with their estimated time and what they need."""
    from labctl.course.catalogue import exercises

    table = Table(title="Exercises (labctl course start NAME)")
    for column in ("#", "name", "title", "time", "needs", "check with"):
        table.add_column(column)
    for exercise in exercises():
        table.add_row(
            str(exercise.number),
            exercise.slug,
            f"{exercise.title['en']}\n[dim]{exercise.title['fr']}[/]",
            f"{exercise.minutes} min",
            "the lab" if exercise.needs_lab else "Python only",
            " or ".join(f"--on {runner}" for runner in exercise.runs_on),
        )
    out.print(table)


@app.command("start")
def start_command(exercise: ExerciseArgument, directory: DirOption = None) -> None:
    """Write a workspace: the task (English and French), the files to complete, the public checks."""
    from labctl.course import catalogue, workspace

    found = catalogue.find(exercise)
    target = directory or workspace.default_dir(found)
    started = workspace.write(found, target)
    if not started.created:
        err.print(f"{escape(str(target))} already holds exercise {found.name}: nothing written, your work is kept.")
        return
    out.print(f"exercise {found.name} ({found.title['en']}) started in {escape(str(target))}:", highlight=False)
    for name in started.files:
        out.print(f"  {escape(name)}", highlight=False)
    out.print(f"read {escape(str(target / 'TASK.en.md'))} (français : TASK.fr.md), then `labctl course check {found.slug}"
              f"{'' if directory is None else ' --dir ' + escape(str(target))}`", highlight=False)


def _results_table(results) -> Table:
    table = Table(title=results.summary(), show_lines=True)
    for column in ("check", "points", "message"):
        table.add_column(column, overflow="fold")
    for test in results.tests:
        mark = "[green]✓[/]" if test.passed else "[red]✗[/]"
        table.add_row(f"{mark} {escape(test.name)}\n[dim]{escape(test.description)}[/]", f"{test.points:g}/{test.max_points:g}",
                      escape(test.message))
    return table


@app.command("check")
def check_command(
    exercise: ExerciseArgument,
    directory: DirOption = None,
    on: Annotated[Runner, typer.Option("--on", help="Where a Streaming job runs: local processes, or the lab's YARN.")] = Runner.local,
    as_json: Annotated[bool, typer.Option("--json", help="Print results.json (PrairieLearn's format) on stdout.")] = False,
    timeout: Annotated[float, typer.Option(min=5, help="Seconds a run of your code may take before it is stopped.")] = 120,
) -> None:
    """Run your work against the checks (public and hidden); exit 0 only at full score.

    Writes results.json (PrairieLearn's format) into the workspace."""
    from labctl.course import catalogue, grader, workspace

    found = catalogue.find(exercise)
    target = workspace.locate(found, directory)
    progress = (lambda message: None) if as_json else (lambda message: err.print(f"  {escape(message)}", highlight=False))
    results = grader.grade(found, target, on=on.value, timeout=timeout, progress=progress)
    if as_json:
        ui.data(results.to_json(), end="")
    else:
        out.print(_results_table(results))
        for test in results.tests:
            if not test.passed and test.output:
                out.print(f"[bold]{escape(test.name)}[/] output:\n{escape(test.output[-3000:])}", highlight=False)
        if not results.gradable:
            err.print(f"[yellow]{escape(results.message)}[/]")
        out.print(f"results.json written in {escape(str(target))}", highlight=False)
    raise typer.Exit(code=0 if results.complete else 1)
