"""Workspaces: what `labctl course start` writes, that it never holds an answer, and what
the grader restores before it runs anything."""

from __future__ import annotations

import json
import re

import pytest

from labctl.core.errors import LabError
from labctl.course import catalogue, markers, workspace

EXERCISES = [exercise.slug for exercise in catalogue.exercises()]
# Lines too common to be an answer by themselves (a lone bracket, `else:`).
TRIVIAL = re.compile(r"^([\W_]*|else:|try:|finally:|pass|return|continue|break)$")


def answer_lines(exercise) -> set[str]:
    """Every line of every solution and hidden-test region of an exercise's sources."""
    found = set()
    for name in exercise.files:
        for region in markers.regions(workspace.source_text(exercise, name), name):
            found.update(line.strip() for line in region.lines if not TRIVIAL.match(line.strip()))
    return found


@pytest.mark.parametrize("slug", EXERCISES)
def test_no_line_of_a_solution_or_a_hidden_test_reaches_the_workspace(slug, tmp_path):
    exercise = catalogue.find(slug)
    target = tmp_path / exercise.name
    workspace.write(exercise, target)
    answers = answer_lines(exercise)
    assert answers, f"{slug}: no solution in the instructor's sources"
    for path in target.iterdir():
        if path.name.startswith("TASK."):
            continue  # the task is prose; it is checked not to hold the code below
        lines = {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
        leaked = sorted(answers & lines)
        assert not leaked, f"{slug}/{path.name} holds answer lines: {leaked[:3]}"
    for language in catalogue.LANGUAGES:
        task = (target / f"TASK.{language}.md").read_text(encoding="utf-8")
        long_answers = [line for line in answers if len(line) > 30]
        assert not [line for line in long_answers if line in task], f"{slug}: the {language} task quotes a solution line"


@pytest.mark.parametrize("slug", EXERCISES)
def test_both_versions_of_every_python_file_compile(slug):
    exercise = catalogue.find(slug)
    for name in exercise.files:
        if name.endswith(".py"):
            compile(workspace.workspace_text(exercise, name), name, "exec")
            compile(workspace.instructor_text(exercise, name), name, "exec")


@pytest.mark.parametrize("slug", EXERCISES)
def test_a_workspace_holds_the_task_in_both_languages_and_says_which_exercise_it_is(slug, tmp_path):
    exercise = catalogue.find(slug)
    started = workspace.write(exercise, tmp_path / "w")
    assert started.created
    assert set(started.files) == set(exercise.files) | {"TASK.en.md", "TASK.fr.md"}
    assert json.loads((tmp_path / "w" / ".course.json").read_text())["exercise"] == slug
    assert (tmp_path / "w" / "TASK.fr.md").read_text(encoding="utf-8") == exercise.task_path("fr").read_text(encoding="utf-8")


def test_starting_again_keeps_the_students_work(tmp_path):
    exercise = catalogue.find("mentions")
    workspace.write(exercise, tmp_path / "w")
    (tmp_path / "w" / "mapper.py").write_text("# my work\n")
    again = workspace.write(exercise, tmp_path / "w")
    assert not again.created
    assert (tmp_path / "w" / "mapper.py").read_text() == "# my work\n"


def test_a_folder_of_another_exercise_or_of_something_else_is_refused(tmp_path):
    workspace.write(catalogue.find("mentions"), tmp_path / "w")
    with pytest.raises(LabError, match="workspace of exercise 'mentions'"):
        workspace.write(catalogue.find("regions"), tmp_path / "w")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(LabError, match="not a course workspace"):
        workspace.write(catalogue.find("regions"), tmp_path / "other")


def test_the_grading_copy_restores_the_instructors_tests_and_support_files(tmp_path):
    exercise = catalogue.find("mentions")
    target = tmp_path / "w"
    workspace.write(exercise, target)
    (target / "test_mentions.py").write_text("def test_nothing():\n    pass\n")
    (target / "steps.json").write_text("{}")
    (target / "helper.py").write_text("X = 1\n")
    copy = workspace.grading_copy(exercise, target, tmp_path / "copy")
    assert "BEGIN HIDDEN" not in (copy / "test_mentions.py").read_text()
    assert "def test_the_latest_edit_decides_the_mentions" in (copy / "test_mentions.py").read_text()
    assert json.loads((copy / "steps.json").read_text())["job"] == "course-mentions"
    assert (copy / "helper.py").read_text() == "X = 1\n"  # the student's own modules come along
    assert not (copy / ".course.json").exists()


@pytest.mark.parametrize("name", ["2", "02", "mentions", "02-mentions", " Mentions "])
def test_an_exercise_is_found_by_number_or_name(name):
    assert catalogue.find(name).slug == "mentions"


def test_an_unknown_exercise_lists_the_known_ones():
    with pytest.raises(LabError) as error:
        catalogue.find("spark")
    assert "01-raw-zone" in error.value.hint


def test_the_catalogue_covers_the_assignment_with_at_least_seven_exercises():
    exercises = catalogue.exercises()
    assert len(exercises) >= 7
    assert [exercise.number for exercise in exercises] == list(range(1, len(exercises) + 1))
    for exercise in exercises:
        assert exercise.source_dir.is_dir(), exercise.name
        for language in catalogue.LANGUAGES:
            assert exercise.task_path(language).is_file(), f"{exercise.name}: no {language} task"
