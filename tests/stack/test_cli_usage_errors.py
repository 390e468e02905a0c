"""`cli.main` on every kind of command-line mistake: Typer's own message and exit code 2,
never "unexpected error" and never a traceback file. Typer raises its own exception classes
(typer._click), not Click's, so each kind is called through `main` itself."""

from __future__ import annotations

import pytest

from labctl import cli

# (argv, what Typer's message must say): one per kind of usage error Typer raises.
MISTAKES = [
    (["nosuch"], "No such command 'nosuch'"),  # UsageError from the group
    (["query"], "Missing argument"),  # MissingParameter, an argument
    (["collect"], "Missing option '--instance'"),  # MissingParameter, an option
    (["up", "--workers", "9"], "less than or equal to 4"),  # BadParameter from a range
    (["up", "--workers", "many"], "'--workers'"),  # BadParameter from a type
    (["up", "--nope"], "No such option: --nope"),  # NoSuchOption
    (["token", "check", "--instance", "https://x.example", "--timeline", "bad:"], "unknown timeline"),  # our parser's BadParameter
    (["jobs", "run-local", "--input", "/no/such/file.jsonl"], "does not exist"),  # a path check
    (["query", "top-tags", "--limit"], "requires an argument"),  # BadOptionUsage
    (["replay", "set", "--drop-every", "-3"], "'--drop-every'"),  # a range on another sub-app
]


def test_a_usage_error_names_the_command_and_its_help(capsys):
    assert cli.main(["ingest"]) == 2
    message = " ".join(capsys.readouterr().err.replace("│", " ").split())
    assert "Usage: labctl ingest" in message and "Try 'labctl ingest --help' for help" in message


@pytest.fixture
def error_log(tmp_path, monkeypatch):
    path = tmp_path / "last-error.log"
    monkeypatch.setattr(cli, "ERROR_LOG", path)
    return path


@pytest.mark.parametrize(("argv", "said"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_a_usage_error_is_typers_message_and_exit_2(argv, said, capsys, error_log):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    message = " ".join(captured.err.replace("│", " ").split())  # Typer's panel wraps long lines
    assert said in message, captured.err
    assert "Error" in captured.err
    assert "unexpected error" not in captured.err and "Traceback" not in captured.err
    assert not error_log.exists()


def test_no_arguments_show_the_help_and_exit_2(capsys, error_log):
    assert cli.main([]) == 2
    captured = capsys.readouterr()
    assert "Usage: labctl" in captured.out + captured.err and "Commands" in captured.out + captured.err
    assert not error_log.exists()


def test_help_exits_0(capsys, error_log):
    assert cli.main(["jobs", "--help"]) == 0
    assert "run-local" in capsys.readouterr().out


def test_a_bug_still_leaves_its_traceback(monkeypatch, capsys, error_log):
    def broken(**kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("labctl.commands.stack.doc.diagnose", lambda *a, **k: broken())
    assert cli.main(["doctor"]) == 2
    assert "unexpected error" in capsys.readouterr().err
    assert "ZeroDivisionError" in error_log.read_text()
