"""docs/cluster.md and its French twin: the same sections, code and figures; the profile they
show has the example's sections and keys and parses; every command in them is real; the
commands they say a profile runs, and those they say stay the lab's, are labctl's own."""

from __future__ import annotations

import tomllib

import typer
from test_classroom_docs import assert_twins, code_blocks, commands_checked, tables

from labctl.cli import app
from labctl.core.manifest import REPO_ROOT
from labctl.core.profile import read_profile

ENGLISH = REPO_ROOT / "docs" / "cluster.md"
FRENCH = REPO_ROOT / "docs" / "cluster.fr.md"
EXAMPLE = REPO_ROOT / "stack" / "cluster-profile.example.toml"


def _text(path):
    return path.read_text(encoding="utf-8")


def _commands(group, prefix=""):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # Typer brings its own click: a group is what has subcommands
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def test_both_languages_have_the_same_sections_code_and_figures():
    assert_twins(ENGLISH, FRENCH)
    # The tables' first column (keys, commands) is the same words in both.
    for ours, theirs in zip(tables(_text(ENGLISH)), tables(_text(FRENCH))):
        assert [row[0] for row in ours[1:]] == [row[0] for row in theirs[1:]]


def test_the_profile_shown_is_the_examples_and_parses(tmp_path):
    shown = "\n".join(next(block for block in code_blocks(_text(ENGLISH)) if block and block[0] == "[endpoints]"))
    example = tomllib.loads(_text(EXAMPLE))
    parsed = tomllib.loads(shown)
    assert {section: set(keys) for section, keys in parsed.items()} == {
        section: set(keys) for section, keys in example.items()}
    (tmp_path / "profile.toml").write_text(shown)
    fields = read_profile(tmp_path / "profile.toml", {name: 1.0 for name in ("webhdfs", "thrift", "thrift_load", "rest", "probe", "status")})
    assert fields["lake_root"] == parsed["lake"]["root"] and fields["datanodes"] == parsed["datanodes"]


def test_every_command_in_the_page_exists_with_its_options():
    assert commands_checked(_text(ENGLISH)) >= 8


def test_the_pages_say_which_commands_a_profile_runs_and_which_stay_the_labs():
    commands = dict(_commands(typer.main.get_command(app)))
    lab_only = {name.split()[0] for name, command in commands.items() if getattr(command.callback, "lab_only", None)}
    for path in (ENGLISH, FRENCH):
        text = _text(path)
        section = text[text.index("## What stays" if path == ENGLISH else "## Ce qui reste"):]
        section = section[:section.index("\n## ", 1)]
        named = {word.strip("`") for word in section.split() if word.startswith("`") and word.rstrip(",.:;").endswith("`")}
        assert lab_only <= {word.rstrip(",.:;").strip("`") for word in named}, sorted(lab_only - named)
        profile_table = next(table for table in tables(text) if table[1][0] == "`status`")
        said = {cell.split()[0].strip("`,") for row in profile_table[1:] for cell in row[0].split("`, `")}
        assert said and not said & lab_only and said <= {name.split()[0] for name in commands}
