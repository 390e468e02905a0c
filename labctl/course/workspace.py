"""Student workspaces: written by `labctl course start`, read back by `labctl course check`.

A workspace holds the task in both languages, the files to complete (solutions stubbed), the
public checks (hidden tests removed), the read-only support files, and `.course.json` saying
which exercise it is. Starting again never overwrites a student's work. Grading never runs in
the workspace itself: it runs in a copy where the tests and support files are the
instructor's own, so editing a test or a helper changes nothing but the student's copy.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from labctl.core.errors import LabError
from labctl.course import markers
from labctl.course.catalogue import EXERCISES_DIR, LANGUAGES, Exercise

SHARED_DIR = EXERCISES_DIR / "_shared"
META = ".course.json"
RESULTS = "results.json"
FORMAT = 1
_SKIP = {META, RESULTS, "__pycache__"}
MAX_COPY_BYTES = 64 * 1024 * 1024


def default_dir(exercise: Exercise) -> Path:
    return Path("course") / exercise.name


def locate(exercise: Exercise, directory: Path | None) -> Path:
    """The workspace to grade: `directory`, else the current folder when it is this exercise's
    workspace (a student inside it), else course/NN-name."""
    if directory is not None:
        return directory
    here = Path(".")
    if (here / META).exists() and read_meta(here).get("exercise") == exercise.slug:
        return here
    return default_dir(exercise)


def source_text(exercise: Exercise, name: str) -> str:
    """An instructor's file: the exercise's own, else one shared by several (exercises/_shared/)."""
    path = exercise.source_dir / name
    if not path.exists():
        path = SHARED_DIR / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise LabError(f"the course package lacks {path}: {error.strerror}", hint="reinstall labctl from the repository") from None


def workspace_text(exercise: Exercise, name: str) -> str:
    """A file as a workspace gets it: no solution, no hidden test."""
    return markers.student_version(source_text(exercise, name), f"{exercise.name}/{name}")


def instructor_text(exercise: Exercise, name: str) -> str:
    return markers.instructor_version(source_text(exercise, name), f"{exercise.name}/{name}")


def task_text(exercise: Exercise, language: str) -> str:
    path = exercise.task_path(language)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise LabError(f"the task of {exercise.name} in {language!r} is missing: {path}") from None


@dataclass(frozen=True)
class Started:
    directory: Path
    created: bool  # False: it existed already, nothing was written
    files: tuple[str, ...]


def write(exercise: Exercise, directory: Path) -> Started:
    """Write a new workspace, or leave an existing one of the same exercise as it is."""
    meta = directory / META
    if meta.exists():
        recorded = read_meta(directory)
        if recorded.get("exercise") != exercise.slug:
            raise LabError(
                f"{directory} is the workspace of exercise {recorded.get('exercise')!r}, not {exercise.slug!r}",
                hint=f"give another --dir, e.g. course/{exercise.name}",
            )
        return Started(directory, False, tuple(sorted(p.name for p in directory.iterdir() if p.name not in _SKIP)))
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise LabError(f"{directory} exists and is not a course workspace", hint="give an empty or new --dir")
    contents = {name: workspace_text(exercise, name) for name in exercise.files}
    contents.update({f"TASK.{language}.md": task_text(exercise, language) for language in LANGUAGES})
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in contents.items():
            target = directory / name
            target.write_text(text, encoding="utf-8")
            if name.endswith(".sh"):
                target.chmod(0o755)
        meta.write_text(json.dumps({"exercise": exercise.slug, "number": exercise.number, "format": FORMAT}, indent=2) + "\n")
    except OSError as error:
        raise LabError(f"cannot write the workspace in {directory}: {error.strerror or error}") from None
    return Started(directory, True, tuple(sorted(contents)))


def read_meta(directory: Path) -> dict:
    try:
        return json.loads((directory / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LabError(
            f"{directory} is not a course workspace (no readable {META}: {error})",
            hint="`labctl course start EXERCISE --dir DIR` writes one",
        ) from None


def check_workspace(exercise: Exercise, directory: Path) -> None:
    if not directory.is_dir():
        raise LabError(f"no workspace at {directory}", hint=f"`labctl course start {exercise.slug}` writes it there")
    recorded = read_meta(directory).get("exercise")
    if recorded != exercise.slug:
        raise LabError(f"{directory} is the workspace of exercise {recorded!r}, not {exercise.slug!r}",
                       hint="check the exercise name, or give its workspace with --dir")


def grading_copy(exercise: Exercise, workspace: Path, target: Path) -> Path:
    """The student's files in `target`, with the instructor's tests and support files restored."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(workspace.rglob("*")):
        relative = path.relative_to(workspace)
        if any(part in _SKIP or part.startswith(".") for part in relative.parts):
            continue
        if path.is_dir():
            (target / relative).mkdir(parents=True, exist_ok=True)
        elif path.is_file() and path.stat().st_size <= MAX_COPY_BYTES:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / relative)
    for name, role in exercise.files.items():
        if role in ("tests", "given"):
            (target / name).write_text(instructor_text(exercise, name), encoding="utf-8")
        elif not (target / name).exists():
            (target / name).write_text(workspace_text(exercise, name), encoding="utf-8")
        if name.endswith(".sh"):
            (target / name).chmod(0o755)
    return target


def solution_copy(exercise: Exercise, target: Path) -> Path:
    """A workspace completed with the instructor's solutions (teachers, tests, the figures script)."""
    write(exercise, target)
    for name in exercise.files:
        (target / name).write_text(instructor_text(exercise, name), encoding="utf-8")
    return target
