"""Before collecting: token scopes and feed access are checked, and what is missing is said clearly.
The token comes from the environment or a private file and never shows up anywhere."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from replayserver import running
from statusfactory import make_timeline
from typer.testing import CliRunner

from labctl.collect.access import check_access, excess_scopes, feed_problems, missing_scopes
from labctl.collect.client import ClientOptions, MastodonClient, _retry_after_as_reset
from labctl.collect.collector import CollectOptions, collect_timeline
from labctl.collect.errors import AccessDenied, TokenError
from labctl.collect.timelines import Timeline
from labctl.collect.token import Secret, load_token, read_token_file
from labctl.cli import app
from labctl.lake.fs import LocalFileSystem, walk_files
from labctl.replay.config import parse_timelines_access

STATUSES = make_timeline(120)
TOKEN = "lab-token-5f0e6c2a9d"
PUBLIC, LOCAL, TAG = Timeline.parse("public"), Timeline.parse("local"), Timeline.parse("tag:python")
FAST = CollectOptions(batch_size=40, client=ClientOptions(request_timeout=5, backoff_base=0.01))


@pytest.mark.parametrize("granted, missing", [
    (["read"], []),
    (["read:statuses", "read:accounts"], []),
    (["read:statuses"], ["read:accounts"]),
    (["write", "follow"], ["read:statuses", "read:accounts"]),
    ([], ["read:statuses", "read:accounts"]),
])
def test_missing_scopes(granted, missing):
    assert missing_scopes(granted, ("read:statuses", "read:accounts")) == missing


def test_search_needs_its_own_scope_and_write_scopes_are_flagged():
    assert missing_scopes(["read:statuses", "read:accounts"], ("read:statuses", "read:accounts", "read:search")) \
        == ["read:search"]
    assert excess_scopes(["read", "write:statuses", "admin:read", "follow"]) == ["admin:read", "follow", "write:statuses"]


def test_feed_problems_follow_the_access_settings():
    access = parse_timelines_access("live_feeds.local=authenticated,live_feeds.remote=disabled")
    assert feed_problems(access, LOCAL, authenticated=True) == []
    assert "logged-in users only" in feed_problems(access, LOCAL, authenticated=False)[0]
    public = feed_problems(access, PUBLIC, authenticated=True)
    assert len(public) == 1 and "live_feeds.remote is disabled" in public[0]
    assert feed_problems(access, TAG, authenticated=False) == []
    assert feed_problems(None, PUBLIC, authenticated=False) == [], "unknown settings do not block"


def report_for(timeline, token=None, **server):
    if token:  # the server issued it: a token it never issued is refused
        server.setdefault("token", token)
    with running(STATUSES, **server) as replay:
        client = MastodonClient(replay.url, Secret(token) if token else None, ClientOptions(request_timeout=5))
        return check_access(client, [timeline])


def test_a_token_without_read_scopes_is_refused_before_collecting(tmp_path):
    fs = LocalFileSystem(tmp_path)
    with running(STATUSES, token=TOKEN, scopes=("write:statuses",)) as replay:
        with pytest.raises(AccessDenied) as refused:
            collect_timeline(replay.url, PUBLIC, fs, token=Secret(TOKEN), options=FAST)
    message = refused.value.message
    assert "read:statuses" in message and "read:accounts" in message and "`read` scope" in message
    assert refused.value.report.excess_scopes == ["write:statuses"]
    assert list(walk_files(fs, "/lake")) == [], "nothing is written when access is refused"


def test_a_rejected_token_is_reported():
    with running(STATUSES, token=TOKEN) as replay:
        report = check_access(MastodonClient(replay.url, Secret("wrong")), [PUBLIC])
    assert not report.ok and "rejects the token" in report.problems[0]


def test_servers_that_do_not_list_scopes_are_probed():
    ok = report_for(PUBLIC, token=TOKEN, report_scopes=False, scopes=("read:statuses", "read:accounts"))
    assert ok.ok and ok.scopes is None
    lacking = report_for(PUBLIC, token=TOKEN, report_scopes=False, scopes=("read:statuses",))
    assert lacking.missing_scopes == ["read:accounts"]


def test_anonymous_access_to_a_logged_in_feed_is_refused_clearly():
    report = report_for(LOCAL, timelines_access=parse_timelines_access("live_feeds.local=authenticated"))
    assert not report.ok and "MASTODON_ACCESS_TOKEN" in report.problems[0]
    assert report_for(LOCAL, token=TOKEN, timelines_access=parse_timelines_access(
        "live_feeds.local=authenticated")).ok


def test_a_disabled_feed_is_refused_instead_of_collecting_an_empty_list(tmp_path):
    with running(STATUSES, timelines_access=parse_timelines_access("hashtag_feeds=disabled")) as replay:
        with pytest.raises(AccessDenied, match="hashtag_feeds.local is disabled"):
            collect_timeline(replay.url, TAG, LocalFileSystem(tmp_path), options=FAST)
        assert collect_timeline(replay.url, PUBLIC, LocalFileSystem(tmp_path), options=FAST).received == 120


def test_token_from_environment_or_private_file(tmp_path):
    assert load_token({}) is None
    assert load_token({"MASTODON_ACCESS_TOKEN": TOKEN}).reveal() == TOKEN
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    assert load_token({"MASTODON_ACCESS_TOKEN_FILE": str(token_file)}).reveal() == TOKEN
    token_file.chmod(0o640)
    with pytest.raises(TokenError, match="readable by others .*0640.*0600"):
        load_token({"MASTODON_ACCESS_TOKEN_FILE": str(token_file)})
    with pytest.raises(TokenError, match="both"):
        load_token({"MASTODON_ACCESS_TOKEN": TOKEN, "MASTODON_ACCESS_TOKEN_FILE": str(token_file)})
    with pytest.raises(TokenError, match="does not exist"):
        read_token_file(tmp_path / "missing")
    two = tmp_path / "two"
    two.write_text("a b")
    two.chmod(0o400)
    with pytest.raises(TokenError, match="exactly one token"):
        read_token_file(two)


def test_a_secret_never_prints_itself():
    secret = Secret(TOKEN)
    for text in (str(secret), repr(secret), f"{secret}", f"{secret!r}", "%s" % secret, str([secret])):
        assert TOKEN not in text
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(secret)


def test_retry_after_becomes_the_reset_mastodon_py_waits_for():
    import requests

    response = requests.Response()
    response.status_code = 429
    response.headers.update({"Retry-After": "30", "Date": "Wed, 01 Jan 2025 00:00:00 GMT"})
    _retry_after_as_reset(response)
    assert response.headers["X-RateLimit-Reset"] == "2025-01-01T00:00:30Z"


def test_the_token_never_reaches_output_logs_or_the_lake(tmp_path, caplog):
    """A whole CLI run with a token: collect, token check, record and lake listing."""
    caplog.set_level(logging.DEBUG)  # urllib3, Mastodon.py, the replay access log, the collector
    runner = CliRunner()
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    env = {"MASTODON_ACCESS_TOKEN_FILE": str(token_file), "MASTODON_ACCESS_TOKEN": ""}
    lake = tmp_path / "lake"
    with running(STATUSES, token=TOKEN, require_token=True) as replay:
        runs = [
            runner.invoke(app, ["collect", "--instance", replay.url, "--lake", str(lake)], env=env),
            runner.invoke(app, ["token", "check", "--instance", replay.url], env=env),
            runner.invoke(app, ["token", "check", "--instance", replay.url, "--json"], env=env),
            runner.invoke(app, ["record", "--instance", replay.url, "--limit", "10",
                                "--out", str(tmp_path / "rec.jsonl.gz")], env=env),
            runner.invoke(app, ["lake", "--lake", str(lake), "--json"], env=env),
        ]
    for result in runs:
        assert result.exit_code == 0, result.output
        assert TOKEN not in result.output
    assert "present (not shown)" in runs[1].output
    assert "timelines/public" in caplog.text and TOKEN not in caplog.text
    for path in Path(lake).rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN.encode() not in (tmp_path / "rec.jsonl.gz").read_bytes()
    assert os.environ.get("MASTODON_ACCESS_TOKEN") != TOKEN


def test_token_check_exits_non_zero_and_explains_when_access_is_missing():
    runner = CliRunner()
    with running(STATUSES, token=TOKEN, scopes=("read:statuses",)) as replay:
        result = runner.invoke(app, ["token", "check", "--instance", replay.url, "--timeline", "local"],
                               env={"MASTODON_ACCESS_TOKEN": TOKEN})
    assert result.exit_code == 1
    assert "read:accounts" in result.output and TOKEN not in result.output


def test_command_failures_are_one_clear_message():
    runner = CliRunner()
    unreachable = runner.invoke(app, ["lake", "--lake", "http://127.0.0.1:9"])
    assert unreachable.exit_code == 1 and "cannot use the lake at http://127.0.0.1:9" in unreachable.output
    with running(STATUSES, token=TOKEN, require_token=True) as replay:
        refused = runner.invoke(app, ["collect", "--instance", replay.url, "--lake", "/nonexistent/x"],
                                env={"MASTODON_ACCESS_TOKEN": ""})
    assert refused.exit_code == 1
    assert "401 The access token is invalid" in refused.output and "MASTODON_ACCESS_TOKEN" in refused.output
    bad_timeline = runner.invoke(app, ["collect", "--instance", "http://x", "--timeline", "home"])
    flat = " ".join(bad_timeline.output.replace("│", " ").split())  # Rich draws a box around usage errors
    assert bad_timeline.exit_code == 2 and "expected public, local or tag:NAME" in flat
