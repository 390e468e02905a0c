"""GuideShell: one bash per guide file, as a student's terminal (bash only, no lab)."""

from __future__ import annotations

import os
import time

import pytest

from guide import GuideShell, syntax_error


@pytest.fixture
def shell(tmp_path):
    with GuideShell(tmp_path, os.environ) as running:
        yield running


def test_output_and_exit_status_of_each_command(shell):
    assert shell.run("echo out; echo err >&2", timeout=10) == (0, "out\nerr\n")
    assert shell.run("printf 'no newline'", timeout=10) == (0, "no newline")
    assert shell.run("printf ''", timeout=10) == (0, "")
    assert shell.run("printf '\\n'", timeout=10) == (0, "\n")
    assert shell.run("exit_with() { return $1; }; exit_with 3", timeout=10) == (3, "")


def test_directory_and_variables_carry_over_like_a_terminal(shell, tmp_path):
    (tmp_path / "sub").mkdir()
    shell.run("cd sub && count=41", timeout=10)
    assert shell.run('pwd; echo $((count + 1))', timeout=10) == (0, f"{tmp_path / 'sub'}\n42\n")


def test_a_command_cannot_read_the_commands_after_it(shell):
    assert shell.run("cat", timeout=10) == (0, "")
    assert shell.run("echo still here", timeout=10) == (0, "still here\n")


def test_a_pipeline_fails_when_any_stage_fails(shell, tmp_path):
    assert shell.run("false | cat", timeout=10)[0] == 1
    with GuideShell(tmp_path, os.environ, pipefail=False) as lenient:
        assert lenient.run("false | cat", timeout=10)[0] == 0


def test_a_syntax_error_is_reported_without_hanging_the_shell(shell):
    code, output = shell.run("echo 'unclosed", timeout=10)
    assert code == 2 and "unexpected EOF" in output
    assert shell.run("echo next", timeout=10) == (0, "next\n")
    assert syntax_error("echo fine") == ""
    assert syntax_error("}") != ""


def test_a_command_over_its_time_is_killed(shell):
    started = time.monotonic()
    code, output = shell.run("echo started; sleep 30", timeout=1)
    assert code is None and "started" in output and "timed out after 1 s" in output
    assert time.monotonic() - started < 10
    assert shell.run("echo after", timeout=5) == (None, "(the shell has exited)")


def test_exit_ends_the_shell_and_says_so(shell):
    code, output = shell.run("exit 4", timeout=10)
    assert code is None and "the shell has exited" in output
