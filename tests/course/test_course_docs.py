"""What students and teachers read exists in English and French, in step: the same files,
the same sections, the same code blocks; and the README leads to the guide, the course and
the teacher's notes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labctl.course import catalogue

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "docs" / "course"
TEACHING = ROOT / "docs" / "teaching"
SECTIONS = {
    "Goal": "Objectif",
    "Estimated time": "Durée estimée",
    "Prerequisites": "Prérequis",
    "Steps": "Étapes",
    "Expected output": "Résultat attendu",
    "Question": "Question",
}
FENCE = re.compile(r"^(```|~~~)")


def headings(text: str, level: str) -> list[str]:
    return [line[len(level) + 1:].strip() for line in text.splitlines() if line.startswith(level + " ")]


def code_blocks(text: str) -> list[str]:
    blocks, current = [], None
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            if current is None:
                current = [line.strip()]
            else:
                blocks.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(line)
    assert current is None, "a code block is never closed"
    return blocks


def links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)#]+)", text)


@pytest.mark.parametrize("exercise", catalogue.exercises(), ids=lambda e: e.name)
def test_each_exercise_has_the_same_sections_and_code_in_both_languages(exercise):
    english = exercise.task_path("en").read_text(encoding="utf-8")
    french = exercise.task_path("fr").read_text(encoding="utf-8")
    assert headings(english, "##") == list(SECTIONS), f"{exercise.name} (en): sections {headings(english, '##')}"
    assert headings(french, "##") == list(SECTIONS.values()), f"{exercise.name} (fr): sections {headings(french, '##')}"
    assert len(headings(english, "###")) == len(headings(french, "###")), f"{exercise.name}: not the same steps"
    assert code_blocks(english) == code_blocks(french), f"{exercise.name}: the code blocks differ"
    assert any(f"labctl course start {exercise.slug}" in block for block in code_blocks(english))
    assert any(f"labctl course check {exercise.slug}" in block for block in code_blocks(english))
    assert sorted(links(english)) == sorted(links(french))
    assert english.startswith(f"# Exercise {exercise.number}:") and french.startswith(f"# Exercice {exercise.number} :")


def test_the_course_folders_hold_exactly_the_catalogues_exercises():
    names = {f"{exercise.name}.md" for exercise in catalogue.exercises()}
    for language in catalogue.LANGUAGES:
        assert {path.name for path in (COURSE / language).iterdir()} == names


def test_the_course_index_links_every_exercise_in_both_languages():
    index = (COURSE / "README.md").read_text(encoding="utf-8")
    for exercise in catalogue.exercises():
        for language in catalogue.LANGUAGES:
            assert f"({language}/{exercise.name}.md)" in index


def teaching_files(language: str) -> dict[str, Path]:
    return {path.name: path for path in sorted((TEACHING / language).glob("*.md"))}


def test_the_teachers_notes_have_the_same_files_sections_and_code_in_both_languages():
    english, french = teaching_files("en"), teaching_files("fr")
    assert english and sorted(english) == sorted(french)
    for name in english:
        en_text, fr_text = english[name].read_text(encoding="utf-8"), french[name].read_text(encoding="utf-8")
        for level in ("#", "##", "###"):
            assert len(headings(en_text, level)) == len(headings(fr_text, level)), f"{name}: {level} headings differ in number"
        assert code_blocks(en_text) == code_blocks(fr_text), f"{name}: the code blocks differ"
        commands = lambda text: sorted(set(re.findall(r"`(labctl [a-z-]+(?: [a-z-]+)?)", text)))  # noqa: E731
        assert commands(en_text) == commands(fr_text), f"{name}: not the same labctl commands"


def test_the_answers_cover_every_question_of_the_guide_and_of_the_course():
    guide = sorted(p.name[:2] for p in (ROOT / "docs" / "lab-guide" / "en").glob("[0-9][0-9]-*.md"))
    for language, (guide_word, course_word) in {"en": ("Guide", "Exercise"), "fr": ("Guide", "Exercice")}.items():
        answers = (TEACHING / language / "answers.md").read_text(encoding="utf-8")
        titles = headings(answers, "###")
        for number in guide:
            assert any(title.startswith(f"{guide_word} {int(number)}") for title in titles), f"{language}: guide {number}"
        for exercise in catalogue.exercises():
            assert any(title.startswith(f"{course_word} {exercise.number}") for title in titles), f"{language}: {exercise.name}"


def test_the_readme_leads_to_the_guide_the_course_and_the_teachers_notes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in ("docs/lab-guide/README.md", "docs/course/README.md", "docs/teaching/README.md"):
        assert f"]({target})" in readme, target
        assert (ROOT / target).is_file()
