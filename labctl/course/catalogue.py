"""The exercises as data: exercises/catalogue.json, and where each one's files are.

Each exercise has a folder `exercises/NN-slug/` holding the instructor's sources, and a task
text in each language under docs/course/<lang>/NN-slug.md. A file's role says what happens to
it in a workspace and at grading:

- ``student``: the student completes it; the workspace gets it with its solutions stubbed
  (markers.py), the grader runs the student's copy.
- ``tests``: the public checks a student runs; the workspace gets them without the hidden
  tests, the grader runs the instructor's full copy.
- ``given``: read-only support (a job's steps, helpers); the grader restores the
  instructor's copy, whatever the workspace holds, as nbgrader restores read-only cells.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from labctl.core.errors import LabError

PACKAGE_DIR = Path(__file__).resolve().parent
EXERCISES_DIR = PACKAGE_DIR / "exercises"
DOCS_DIR = PACKAGE_DIR.parents[1] / "docs" / "course"
LANGUAGES = ("en", "fr")
ROLES = ("student", "tests", "given")
RUNNERS = ("local", "yarn")


@dataclass(frozen=True)
class Exercise:
    number: int
    slug: str
    title: dict[str, str]
    minutes: int
    needs_lab: bool  # HBase, Airflow or YARN are part of the grading itself
    runs_on: tuple[str, ...]  # what --on accepts
    files: dict[str, str]  # name -> role
    covers: str  # the part of the assignment it covers, for `course list`

    @property
    def name(self) -> str:
        return f"{self.number:02d}-{self.slug}"

    @property
    def source_dir(self) -> Path:
        return EXERCISES_DIR / self.name

    def task_path(self, language: str) -> Path:
        return DOCS_DIR / language / f"{self.name}.md"

    def files_with(self, role: str) -> list[str]:
        return [name for name, kind in self.files.items() if kind == role]


def _exercise(data: dict) -> Exercise:
    files = dict(data["files"])
    bad = {name: role for name, role in files.items() if role not in ROLES}
    if bad:
        raise ValueError(f"exercise {data['slug']}: unknown file roles {bad} (known: {', '.join(ROLES)})")
    runs_on = tuple(data.get("runs_on", ["local"]))
    if not set(runs_on) <= set(RUNNERS):
        raise ValueError(f"exercise {data['slug']}: runs_on {runs_on} (known: {', '.join(RUNNERS)})")
    return Exercise(
        number=int(data["number"]),
        slug=data["slug"],
        title=dict(data["title"]),
        minutes=int(data["minutes"]),
        needs_lab=bool(data["needs_lab"]),
        runs_on=runs_on,
        files=files,
        covers=data["covers"],
    )


@functools.cache
def exercises() -> tuple[Exercise, ...]:
    data = json.loads((EXERCISES_DIR / "catalogue.json").read_text(encoding="utf-8"))
    found = tuple(_exercise(entry) for entry in data["exercises"])
    numbers = [exercise.number for exercise in found]
    if numbers != sorted(set(numbers)):
        raise ValueError(f"exercise numbers must be distinct and in order: {numbers}")
    return found


def find(name: str) -> Exercise:
    """An exercise by number (`2`, `02`), slug (`mentions`) or both (`02-mentions`)."""
    wanted = name.strip().lower()
    for exercise in exercises():
        if wanted in (exercise.slug, exercise.name, str(exercise.number), f"{exercise.number:02d}"):
            return exercise
    known = ", ".join(exercise.name for exercise in exercises())
    raise LabError(f"no exercise {name!r}", hint=f"`labctl course list` shows them: {known}")
