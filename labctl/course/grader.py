"""`labctl course check`: run an exercise's checks on a copy of the workspace, score them.

Each exercise's checks are data (`labctl/course/checks/<slug>.py`, a list `CHECKS`), each
worth some points. A check returns an `Outcome` (the fraction of its points earned, a
message, some output). Whatever a check meets is turned into a result here: a student's code
that fails is a failed check with its message; a lab that cannot be reached makes the grade
not gradable (PrairieLearn's `gradable: false`), since the work was not judged; a bug of the
grader itself is reported as such, with its traceback in the output, and never escapes.
"""

from __future__ import annotations

import importlib
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labctl.core.errors import LabError
from labctl.course import workspace as ws
from labctl.course.catalogue import Exercise
from labctl.course.results import Results, Test
from labctl.course.run import DEFAULT_TIMEOUT


class NotGradable(LabError):
    """The environment, not the student's work, stops a check (the lab is down, say)."""


@dataclass(frozen=True)
class Outcome:
    fraction: float  # of the check's points: 1.0 passed, 0.0 failed, between for partial credit
    message: str
    output: str = ""

    @classmethod
    def passed(cls, message: str, output: str = "") -> Outcome:
        return cls(1.0, message, output)

    @classmethod
    def failed(cls, message: str, output: str = "") -> Outcome:
        return cls(0.0, message, output)


@dataclass
class Context:
    exercise: Exercise
    workspace: Path  # the student's folder: never written, except results.json at the end
    copy: Path  # the grading copy: the student's files, the instructor's tests and helpers
    on: str  # local | yarn
    timeout: float
    progress: Callable[[str], None] = lambda message: None
    passed: dict[str, bool] = field(default_factory=dict)  # check name -> passed, as they run
    state: dict[str, Any] = field(default_factory=dict)  # what one check leaves for the next
    cleanups: list[Callable[[], None]] = field(default_factory=list)  # run at the end, whatever happened


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    points: float
    run: Callable[[Context], Outcome]
    hidden: bool = False


def checks_of(exercise: Exercise) -> list[Check]:
    module = importlib.import_module(f"labctl.course.checks.{exercise.slug.replace('-', '_')}")
    return list(module.CHECKS)


def _run_check(check: Check, context: Context) -> tuple[Test, NotGradable | None]:
    description = check.description + (" (hidden input)" if check.hidden else "")
    try:
        outcome = check.run(context)
    except NotGradable as error:
        message = error.message + (f" (hint: {error.hint})" if error.hint else "")
        return Test.fail(check.name, description, check.points, f"not graded: {message}", hidden=check.hidden), error
    except LabError as error:
        message = error.message + (f"\nhint: {error.hint}" if error.hint else "")
        return Test.fail(check.name, description, check.points, message, error.details or "", hidden=check.hidden), None
    except Exception as error:  # noqa: BLE001 - a grader bug is reported, never raised at the student
        message = f"the grader failed on this check ({type(error).__name__}: {error}); this is a labctl bug, not your work"
        return Test.fail(check.name, description, check.points, message, traceback.format_exc(), hidden=check.hidden), None
    fraction = min(1.0, max(0.0, outcome.fraction))
    points = round(check.points * fraction, 2)
    # Tracebacks name the grading copy; the student knows the files by their workspace path.
    message, output = (text.replace(str(context.copy), str(context.workspace)) for text in (outcome.message, outcome.output))
    return Test(check.name, description, points, check.points, message, output, hidden=check.hidden), None


def grade(
    exercise: Exercise,
    workspace: Path,
    *,
    on: str = "local",
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[str], None] = lambda message: None,
    write_results: bool = True,
    only: set[str] | None = None,
) -> Results:
    """Grade a workspace; `only` runs some checks by name (tests use it to save time)."""
    ws.check_workspace(exercise, workspace)
    if on not in exercise.runs_on:
        raise LabError(f"exercise {exercise.slug} is checked with --on {' or '.join(exercise.runs_on)}, not {on}")
    results = Results(exercise.name)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"labctl-course-{exercise.slug}-") as scratch:
        copy = ws.grading_copy(exercise, workspace, Path(scratch) / "work")
        context = Context(exercise, workspace.resolve(), copy, on, timeout, progress)
        blocked: NotGradable | None = None
        try:
            for check in checks_of(exercise):
                if only is not None and check.name not in only:
                    continue
                progress(f"{check.name}: {check.description}")
                if blocked is not None:
                    test = Test.fail(check.name, check.description, check.points, f"not graded: {blocked.message}", hidden=check.hidden)
                else:
                    test, blocked = _run_check(check, context)
                context.passed[check.name] = test.passed
                results.tests.append(test)
                progress(f"{check.name}: {'passed' if test.passed else 'failed'} ({test.points:g}/{test.max_points:g})")
        finally:
            # What the checks made on the lab (tables, files, DAG records) goes, whatever happened.
            for cleanup in reversed(context.cleanups):
                try:
                    cleanup()
                except Exception:  # noqa: BLE001 - one failed cleanup must not stop the others
                    progress(f"cleanup failed: {traceback.format_exc(limit=1).strip().splitlines()[-1]}")
            context.state.clear()
    if blocked is not None:
        results.gradable = False
        results.message = f"not gradable: {blocked.message}" + (f" (hint: {blocked.hint})" if blocked.hint else "")
    results.seconds = round(time.perf_counter() - started, 1)
    if not results.message:
        results.message = results.summary()
    if write_results:
        try:
            (workspace / ws.RESULTS).write_text(results.to_json(), encoding="utf-8")
        except OSError:
            pass  # a read-only workspace still gets its grade on the terminal
    return results
