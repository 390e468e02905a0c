"""The course's tests: no lab. Generated inputs and oracle documents are cached once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labctl.course import catalogue, workspace


@pytest.fixture(scope="session", autouse=True)
def course_cache(tmp_path_factory) -> Path:
    """One cache for the whole session: the oracle's documents are computed once."""
    path = tmp_path_factory.mktemp("course-cache")
    previous = os.environ.get("LABCTL_COURSE_CACHE")
    os.environ["LABCTL_COURSE_CACHE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("LABCTL_COURSE_CACHE", None)
    else:
        os.environ["LABCTL_COURSE_CACHE"] = previous


def started(name: str, folder: Path) -> Path:
    """A fresh workspace of an exercise, as `labctl course start` writes it."""
    target = folder / name
    workspace.write(catalogue.find(name), target)
    return target


def solved(name: str, folder: Path, changes: dict[str, tuple[str, str] | str] | None = None) -> Path:
    """A workspace completed with the instructor's solution, then changed: file -> (old, new)
    replaces text (a change that matches nothing is a broken test, so it fails), file -> text
    writes the whole file."""
    exercise = catalogue.find(name)
    target = workspace.solution_copy(exercise, folder / f"{name}-solved")
    for file_name, change in (changes or {}).items():
        path = target / file_name
        if isinstance(change, str):
            path.write_text(change, encoding="utf-8")
            continue
        old, new = change
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{file_name}: {old!r} is not in the instructor's solution"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return target
