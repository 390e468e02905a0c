"""Student code that crashes, hangs, prints garbage or talks on stderr fails its check with a
message and a hint; labctl itself never crashes, and nothing the student started survives."""

from __future__ import annotations

import time

import pytest

from conftest import solved
from labctl.core.errors import LabError
from labctl.course import catalogue, grader
from labctl.course.grader import Check, NotGradable, Outcome

MENTIONS = catalogue.find("mentions")


def edge_cases_only(workspace, **options):
    """The check on the small file of edge cases: what goes wrong goes wrong on any input."""
    return grader.grade(MENTIONS, workspace, only={"edge-cases"}, **options).tests[0]


def test_a_script_that_hangs_is_stopped_with_everything_it_started(tmp_path):
    pid_file = tmp_path / "pid"
    hang = (f"import os, subprocess, sys, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\ntime.sleep(600)\n")
    workspace = solved("mentions", tmp_path, {"mapper.py": hang})
    started = time.monotonic()
    # Long enough for the runner's processes to start the mapper on a loaded machine.
    test = edge_cases_only(workspace, timeout=20)
    assert time.monotonic() - started < 80
    assert not test.passed and "did not finish in 20 s" in test.message and "hint:" in test.message
    assert not alive(int(pid_file.read_text()))


def alive(pid: int) -> bool:
    """Running, not merely a zombie left for an init that does not reap (as in some containers)."""
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_crash_names_the_step_the_exception_and_keeps_the_stderr_tail(tmp_path):
    crash = ("import sys\nfor line in sys.stdin:\n    pass\n"
             "raise KeyError('rodo')  # a reducer that meets a key it did not expect\n")
    test = edge_cases_only(solved("mentions", tmp_path, {"reducer.py": crash}))
    assert not test.passed
    assert "step `distinct`, reduce: your script exited with code 1" in test.message
    assert "KeyError: 'rodo'" in test.message and "Traceback" in test.output
    assert str(tmp_path) in test.output  # the traceback names the student's files, not the grading copy


def test_writing_to_stderr_fails_the_check_with_what_was_written(tmp_path):
    chatty = ("import sys\nprint('debug: starting', file=sys.stderr)\nsys.stderr.write('reporter:counter:Mastodon,x,1\\n')\n")
    workspace = solved("mentions", tmp_path, {"mapper.py": ("import rules\n", "import rules\n" + chatty)})
    test = edge_cases_only(workspace)
    assert not test.passed
    assert "wrote to stderr" in test.message and "debug: starting" in test.message
    assert "Mastodon,x,1" not in test.message  # Streaming's own lines are allowed


def test_garbage_on_stdout_is_named_with_its_line(tmp_path):
    garbage = "import sys\nfor line in sys.stdin:\n    pass\nprint('hello world')\n"
    test = edge_cases_only(solved("mentions", tmp_path, {"sum_reducer.py": garbage}))
    assert not test.passed
    assert "is not `handle<TAB>count`: 'hello world'" in test.message


def test_a_key_split_across_reducers_is_named(tmp_path):
    # Partitioning on the whole row sends one handle's rows to several reducers.
    workspace = solved("mentions", tmp_path, {"sum_reducer.py": "import sys\nfor line in sys.stdin:\n    sys.stdout.write(line)\n"})
    test = edge_cases_only(workspace)
    assert not test.passed and "is on two output lines" in test.message


def test_a_grader_bug_is_reported_as_such_and_the_other_checks_still_run(tmp_path, monkeypatch):
    def broken(context):
        raise ZeroDivisionError("oops")

    checks = [Check("broken", "a check with a bug", 1, broken), Check("fine", "a check", 1, lambda c: Outcome.passed("ok"))]
    monkeypatch.setattr(grader, "checks_of", lambda exercise: checks)
    results = grader.grade(MENTIONS, solved("mentions", tmp_path))
    broken_test, fine = results.tests
    assert "labctl bug" in broken_test.message and "ZeroDivisionError" in broken_test.output
    assert fine.passed and results.gradable


def test_a_lab_that_cannot_be_reached_makes_the_grade_not_gradable(tmp_path, monkeypatch):
    cleaned = []

    def down(context):
        context.cleanups.append(lambda: cleaned.append(True))
        raise NotGradable("HBase's Thrift server cannot be reached", hint="labctl up")

    checks = [Check("lab", "needs the lab", 2, down), Check("later", "after it", 1, lambda c: Outcome.passed("ok"))]
    monkeypatch.setattr(grader, "checks_of", lambda exercise: checks)
    results = grader.grade(MENTIONS, solved("mentions", tmp_path))
    assert not results.gradable and results.score == 0
    assert "cannot be reached" in results.message and "labctl up" in results.message
    assert all(test.message.startswith("not graded") for test in results.tests)
    assert cleaned == [True]


def test_grading_a_folder_that_is_no_workspace_is_a_clear_error(tmp_path):
    with pytest.raises(LabError, match="no workspace"):
        grader.grade(MENTIONS, tmp_path / "missing")
    with pytest.raises(LabError, match="--on local"):
        grader.grade(catalogue.find("raw-zone"), solved("raw-zone", tmp_path), on="yarn")


def test_an_analysis_that_prints_prose_instead_of_json_is_told_so(tmp_path):
    chatty = solved("analysis", tmp_path, {"analysis.py": ("    print(json.dumps({**answers(metrics)", "    print('my answers:')\n"
                                                                                                       "    print(json.dumps({**answers(metrics)")})
    test = grader.grade(catalogue.find("analysis"), chatty, only={"generated"}).tests[0]
    assert not test.passed and "did not print one JSON object" in test.message and "labctl bug" not in test.message
