"""docs/classroom.md and its French twin: the same sections, commands and figures; the resource
table equal to the manifest's profiles and doctor's count; every command in them real."""

from __future__ import annotations

import re
import shlex

import pytest
from dotenv import dotenv_values

from labctl.cli import app
from labctl.core.manifest import MANIFEST_FILE, REPO_ROOT

ENGLISH = REPO_ROOT / "docs" / "classroom.md"
FRENCH = REPO_ROOT / "docs" / "classroom.fr.md"
FILE = {key: value or "" for key, value in dotenv_values(MANIFEST_FILE).items()}
HEAP_KEYS = [key for key in FILE if key.endswith("_HEAP") and not key.startswith("PROFILE_")]
ENGINES_GIB = (8, 16, 24, 32)


def _text(path):
    return path.read_text(encoding="utf-8")


def headings(text: str, level: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(level + " ")]


def code_blocks(text: str) -> list[list[str]]:
    """Each fenced block's lines, comments and trailing blanks removed (comments are translated)."""
    blocks, current = [], None
    for line in text.splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line.split(" #", 1)[0].rstrip())
    assert current is None, "a code block is never closed"
    return blocks


def tables(text: str) -> list[list[list[str]]]:
    found, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            if not set(line) <= set("|- "):
                current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif current:
            found.append(current)
            current = []
    return found


def numbers(cell: str) -> list[str]:
    return [number.replace(",", ".") for number in re.findall(r"\d+(?:[.,]\d+)?", cell)]


def assert_twins(english_path, french_path) -> None:
    """A page and its French twin: the same sections, code blocks and figures, each naming the other."""
    english, french = _text(english_path), _text(french_path)
    for level in ("##", "###"):
        assert len(headings(english, level)) == len(headings(french, level))
    assert code_blocks(english) == code_blocks(french)
    english_tables, french_tables = tables(english), tables(french)
    assert len(english_tables) == len(french_tables)
    for ours, theirs in zip(english_tables, french_tables):
        assert [[numbers(cell) for cell in row] for row in ours] == [[numbers(cell) for cell in row] for row in theirs]
    assert french_path.name in english and english_path.name in french


def test_both_languages_have_the_same_sections_code_and_figures():
    assert_twins(ENGLISH, FRENCH)


def _expected_row(profile: str) -> list[str]:
    """The resource table's row, computed here from stack/lab.env alone."""
    def value(key):
        override = FILE.get(f"PROFILE_{profile.upper()}_{key}")
        return override if override else FILE[key]

    def mib(size):
        return int(size[:-1]) * {"m": 1, "g": 1024}[size[-1]]

    after_run = FILE[f"MEASURED_{profile.upper()}_AFTER_RUN_MIB"]
    idle = FILE[f"MEASURED_{profile.upper()}_IDLE_MIB"]
    labs = [str(int((gib * 1024 - int(FILE["HOST_RESERVE_MIB"])) // int(after_run))) for gib in ENGINES_GIB] if after_run else []
    return [str(sum(mib(value(key)) for key in HEAP_KEYS)), value("YARN_NODE_MEMORY_MB"), *( [idle] if idle else []), *([after_run] if after_run else []), *labs]


@pytest.mark.parametrize("path", [ENGLISH, FRENCH], ids=["en", "fr"])
def test_the_resource_table_is_the_manifests_profiles(path):
    table = next(table for table in tables(_text(path)) if any(row[0] == "`small`" for row in table))
    rows = {row[0].strip("`"): row for row in table[1:]}
    assert set(rows) == {"standard", "small"}
    for profile, row in rows.items():
        figures = [number for cell in row[1:] for number in numbers(cell)]
        # The header's engine sizes are not in the rows; the rows hold exactly the computed figures.
        assert figures == _expected_row(profile), profile
    header_numbers = [number for cell in table[0] for number in numbers(cell)]
    assert header_numbers[-len(ENGINES_GIB):] == [str(gib) for gib in ENGINES_GIB]


def test_every_command_in_the_page_exists_with_its_options():
    assert commands_checked(_text(ENGLISH)) >= 8


def commands_checked(text: str) -> int:
    """Every `labctl ...` line of the page's code blocks is a command with those options (the
    global `--target FILE` aside); how many were checked."""
    import typer

    # Typer brings its own click: a group is what has subcommands.
    root = typer.main.get_command(app)
    seen = 0
    for block in code_blocks(text):
        for line in block:
            if not line.startswith("labctl "):
                continue
            words, command = shlex.split(line)[1:], root
            while hasattr(command, "commands") and words and (words[0] in command.commands or words[0].startswith("--")):
                if words[0].startswith("--"):  # a group's own option, e.g. labctl's --lab NAME
                    option, given = words.pop(0).partition("=")[::2]
                    param = next((param for param in command.params if option in param.opts), None)
                    assert param is not None, f"{line}: {option} is not an option of {command.name or 'labctl'}"
                    if not param.is_flag and not given:
                        words.pop(0)
                    continue
                command = command.commands[words.pop(0)]
            # A group runs alone only when it says so (`labctl lake` shows the lake).
            assert not hasattr(command, "commands") or command.invoke_without_command, f"{line}: not a command"
            known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
            for option in (word.split("=")[0] for word in words if word.startswith("--")):
                assert option in known, f"{line}: {option} is not an option of {command.name}"
            seen += 1
    return seen


def test_the_readmes_lead_to_the_classroom_page():
    assert "docs/classroom.md" in _text(REPO_ROOT / "README.md")
    assert "classroom.md" in _text(REPO_ROOT / "docs" / "README.md")
