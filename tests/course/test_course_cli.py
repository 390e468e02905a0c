"""`labctl course list | start | check`: thin commands, their output and exit codes."""

from __future__ import annotations

import json

from conftest import solved
from labctl.cli import main
from labctl.course import catalogue


def test_list_shows_every_exercise(capsys):
    assert main(["course", "list"]) == 0
    shown = capsys.readouterr().out
    for exercise in catalogue.exercises():
        assert exercise.slug in shown


def test_start_writes_a_workspace_and_says_so_and_a_second_start_keeps_it(tmp_path, capsys):
    target = tmp_path / "w"
    assert main(["course", "start", "analysis", "--dir", str(target)]) == 0
    assert "TASK.en.md" in capsys.readouterr().out
    (target / "analysis.py").write_text("# mine\n")
    assert main(["course", "start", "6", "--dir", str(target)]) == 0
    assert "your work is kept" in capsys.readouterr().err
    assert (target / "analysis.py").read_text() == "# mine\n"


def test_check_exits_1_below_full_score_and_0_at_full_score(tmp_path, capsys):
    target = tmp_path / "w"
    main(["course", "start", "analysis", "--dir", str(target)])
    capsys.readouterr()
    assert main(["course", "check", "analysis", "--dir", str(target)]) == 1
    shown = capsys.readouterr().out
    assert "YOUR CODE HERE" in shown and "results.json written" in shown
    assert main(["course", "check", "analysis", "--dir", str(solved("analysis", tmp_path)), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["score"] == 1 and {test["name"] for test in document["tests"]} >= {"recording", "generated"}


def test_unknown_exercises_and_missing_workspaces_are_one_clear_error(tmp_path, capsys):
    assert main(["course", "check", "spark"]) == 1
    assert "no exercise 'spark'" in capsys.readouterr().err
    assert main(["course", "check", "analysis", "--dir", str(tmp_path / "nothing")]) == 1
    assert "labctl course start analysis" in capsys.readouterr().err
    assert main(["course", "check", "analysis", "--dir", str(tmp_path), "--on", "yarn"]) == 1


def test_check_inside_the_workspace_needs_no_dir(tmp_path, capsys, monkeypatch):
    target = tmp_path / "course" / "06-analysis"
    main(["course", "start", "analysis", "--dir", str(target)])
    monkeypatch.chdir(target)
    capsys.readouterr()
    assert main(["course", "check", "analysis", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["score"] < 1
    assert (target / "results.json").exists()
