"""The guide's files keep its promises without the lab: they parse, both languages run the
same commands, every exercise has its goal and its question, and the index lists them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guide import parse_guide, syntax_error

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "lab-guide"
LANGUAGES = {"en": ("## Goal", "## Question"), "fr": ("## Objectif", "## Question")}
NUMBERED = re.compile(r"^(\d\d)-[a-z0-9-]+\.md$")


def exercises(language: str) -> dict[str, Path]:
    """Exercise number -> file, for one language."""
    found: dict[str, Path] = {}
    for path in sorted((GUIDE / language).glob("*.md")):
        match = NUMBERED.match(path.name)
        if match:
            assert match[1] not in found, f"two exercises numbered {match[1]} in {language}/: {found[match[1]].name}, {path.name}"
            found[match[1]] = path
    return found


def commands(path: Path):
    return parse_guide(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))


ALL = [path for language in LANGUAGES for path in exercises(language).values()]


def test_both_languages_have_the_same_exercises():
    assert exercises("en"), "no exercise in docs/lab-guide/en/"
    assert sorted(exercises("en")) == sorted(exercises("fr"))


def test_only_exercises_and_an_index_live_in_the_language_folders():
    # Anything else there (a draft, a misnamed exercise) would be skipped by the lab test unnoticed.
    for language in LANGUAGES:
        names = {path.name for path in (GUIDE / language).iterdir()}
        assert names == {path.name for path in exercises(language).values()} | {"README.md"}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_each_language_index_links_its_exercises_in_order(language):
    index = (GUIDE / language / "README.md").read_text(encoding="utf-8")
    linked = [name for name in re.findall(r"\]\(([^)/]+\.md)\)", index) if NUMBERED.match(name)]
    assert linked == [path.name for _, path in sorted(exercises(language).items())]


@pytest.mark.parametrize("number", sorted(exercises("en")))
def test_the_two_languages_run_the_same_commands(number):
    english, french = exercises("en")[number], exercises("fr")[number]

    def steps(path: Path):
        return [(command.text, command.exit_code, command.expected) for command in commands(path)]

    mine, theirs = steps(english), steps(french)
    for position, (en_step, fr_step) in enumerate(zip(mine, theirs)):
        assert en_step == fr_step, f"step {position + 1} differs between {english.name} and {french.name}"
    assert len(mine) == len(theirs), f"{english.name} has {len(mine)} commands, {french.name} {len(theirs)}"


@pytest.mark.parametrize("path", ALL, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_an_exercise_has_a_goal_commands_expected_output_and_a_question(path):
    text = path.read_text(encoding="utf-8")
    headings = [line.strip() for line in text.splitlines() if line.startswith("## ")]
    goal, question = LANGUAGES[path.parent.name]
    assert goal in headings and question in headings, f"{path.name}: needs the sections {goal!r} and {question!r}"
    assert headings.index(goal) < headings.index(question), f"{path.name}: the question comes after the goal"
    steps = commands(path)
    assert steps, f"{path.name}: no ```console command"
    assert any(step.expected for step in steps), f"{path.name}: no ```output block says what to look for"


@pytest.mark.parametrize("path", ALL, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_command_is_valid_bash(path):
    for command in commands(path):
        assert syntax_error(command.text) == "", f"{command.where}: {syntax_error(command.text)}"


@pytest.mark.parametrize("path", ALL, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_files_the_commands_name_in_the_repository_exist(path):
    for command in commands(path):
        for named in re.findall(r"(?<![\w/.-])((?:docs|jobs|seed_data)/[\w./-]+)", command.text):
            assert (ROOT / named).exists(), f"{command.where}: {named} does not exist"


def test_the_index_links_every_exercise():
    index = (GUIDE / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(((?:en|fr)/[^)]+)\)", index))
    assert linked == {f"{path.parent.name}/{path.name}" for path in ALL}
