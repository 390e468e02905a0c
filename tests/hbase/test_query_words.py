"""`labctl query NAME ...` checks its words before it connects to HBase: a typo gets its
message at once, with no connection attempted (through `cli.main`, as a user types it)."""

from __future__ import annotations

import pytest

import labctl.commands.query as query_command
from labctl import cli
from labctl.core.errors import LabError


@pytest.fixture
def no_hbase(monkeypatch):
    attempts = []

    def connect():
        attempts.append(1)
        raise LabError("cannot reach HBase's Thrift server (the test has none)")

    monkeypatch.setattr(query_command, "connect", connect)
    return attempts


@pytest.mark.parametrize(("argv", "said"), [
    (["query", "top-tag"], "unknown query 'top-tag'"),
    (["query", "user"], "needs a HANDLE"),
    (["query", "tag"], "needs the tag to look up"),
    (["query", "totals", "extra"], "takes no argument"),
    (["query", "top-tags", "--by", "rate"], "--by applies to the engagement query only"),
    (["query", "engagement", "--by", "likes"], "not 'likes'"),
])
def test_a_bad_question_fails_before_any_connection(no_hbase, capsys, argv, said):
    assert cli.main(argv) == 1
    assert said in " ".join(capsys.readouterr().err.split())
    assert no_hbase == []


def test_a_good_question_does_connect(no_hbase, capsys):
    assert cli.main(["query", "engagement", "--by", "rate"]) == 1
    assert "cannot reach HBase" in capsys.readouterr().err
    assert no_hbase == [1]
