"""The replay server over real HTTP: Mastodon's paging, Link headers, instance API, tokens,
scopes, feed access settings, rate limits and injected faults."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
import requests
from mastodon import Mastodon
from replayserver import running
from statusfactory import make_timeline

from labctl.replay.config import ConfigError, ReplayConfig, parse_timelines_access
from labctl.replay.limits import FaultConfig

STATUSES = make_timeline(230, remote_every=3, boost_every=6)
IDS = [s["id"] for s in STATUSES]
TOKEN = "replay-test-token-0123456789"
PUBLIC = "/api/v1/timelines/public"


def get(server, path, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(server.url + path, params=params, headers=headers, timeout=10)


def follow(server, url, rel):
    """Ids of every page reached by following one Link relation from `url`."""
    seen = []
    while url:
        response = requests.get(url, timeout=10)
        assert response.status_code == 200
        seen.append([s["id"] for s in response.json()])
        url = response.links.get(rel, {}).get("url")
    return seen


def test_following_next_links_reads_the_whole_timeline_newest_first():
    with running(STATUSES) as server:
        pages = follow(server, f"{server.url}{PUBLIC}?limit=40", "next")
    assert [i for page in pages for i in page] == IDS
    assert all(len(page) == 40 for page in pages[:-1])


def test_following_prev_links_from_the_bottom_reads_forward_in_blocks():
    with running(STATUSES) as server:
        pages = follow(server, f"{server.url}{PUBLIC}?limit=40&min_id=0", "prev")
    assert pages[-1] == []
    assert [i for page in reversed(pages) for i in page] == IDS
    for page in pages[:-1]:
        assert page == sorted(page, key=int, reverse=True)


def test_link_headers_keep_filters_and_next_needs_a_full_page():
    with running(STATUSES) as server:
        full = get(server, PUBLIC, local="true", limit="5")
        last = get(server, PUBLIC, local="true", max_id=IDS[-1], limit="5")
        tail = get(server, PUBLIC, max_id=IDS[-3], limit="40")
    assert "local=true" in full.links["next"]["url"] and "limit=5" in full.links["next"]["url"]
    assert f"max_id={full.json()[-1]['id']}" in full.links["next"]["url"]
    assert f"min_id={full.json()[0]['id']}" in full.links["prev"]["url"]
    assert last.json() == [] and "Link" not in last.headers
    assert [s["id"] for s in tail.json()] == IDS[-2:] and "next" not in tail.links


def test_since_id_gives_the_newest_page_and_min_id_the_page_just_above():
    with running(STATUSES) as server:
        since = get(server, PUBLIC, since_id=IDS[100], limit="10").json()
        above = get(server, PUBLIC, min_id=IDS[100], limit="10").json()
    assert [s["id"] for s in since] == IDS[:10]
    assert [s["id"] for s in above] == IDS[90:100]


def test_mastodon_py_pagination_works_against_it():
    with running(STATUSES) as server:
        api = Mastodon(api_base_url=server.url, version_check_mode="none")
        first = api.timeline_public(limit=40)
        second = api.fetch_next(first)
        back = api.fetch_previous(second)
    assert [str(s.id) for s in first] == IDS[:40]
    assert [str(s.id) for s in second] == IDS[40:80]
    assert [str(s.id) for s in back] == IDS[:40]


def test_local_remote_and_hashtag_timelines():
    local_ids = [s["id"] for s in STATUSES if "@" not in s["account"]["acct"]]
    remote_ids = [s["id"] for s in STATUSES if "@" in s["account"]["acct"]]
    tagged = [s["id"] for s in STATUSES if any(t["name"].lower() == "fediverse" for t in s["tags"])]
    assert local_ids and remote_ids and tagged
    with running(STATUSES) as server:
        local = follow(server, f"{server.url}{PUBLIC}?local=1&limit=40", "next")
        remote = follow(server, f"{server.url}{PUBLIC}?remote=true&limit=40", "next")
        tag = follow(server, f"{server.url}/api/v1/timelines/tag/FEDIVERSE?limit=40", "next")
        none = get(server, "/api/v1/timelines/tag/fediverse", **{"none[]": "fediverse"}).json()
    assert [i for p in local for i in p] == local_ids
    assert [i for p in remote for i in p] == remote_ids
    assert [i for p in tag for i in p] == tagged
    assert none == []


def test_instance_documents_and_versions():
    access = parse_timelines_access("live_feeds.local=authenticated")
    with running(STATUSES, version="4.3.0+glitch", timelines_access=access) as server:
        v1 = get(server, "/api/v1/instance/").json()
        v2 = get(server, "/api/v2/instance").json()
    assert v1["uri"] == v2["domain"] == "replay.example"
    assert v1["version"] == v2["version"] == "4.3.0+glitch"
    assert v2["configuration"]["timelines_access"]["live_feeds"] == {"local": "authenticated", "remote": "public"}
    with running(STATUSES, v2_instance=False, version="0.17.0 git-1a2b3c", timelines_access=None) as server:
        assert get(server, "/api/v2/instance").status_code == 404
        assert get(server, "/api/v1/instance").json()["version"] == "0.17.0 git-1a2b3c"


def test_a_required_token_and_its_scopes():
    with running(STATUSES, token=TOKEN, require_token=True, scopes=("read:statuses",)) as server:
        assert get(server, PUBLIC).status_code == 401
        wrong = get(server, PUBLIC, token="nope")
        assert (wrong.status_code, wrong.json()) == (401, {"error": "The access token is invalid"})
        assert get(server, PUBLIC, token=TOKEN).status_code == 200
        app = get(server, "/api/v1/apps/verify_credentials", token=TOKEN).json()
        assert app["scopes"] == ["read:statuses"]
        account = get(server, "/api/v1/accounts/verify_credentials", token=TOKEN)
        assert (account.status_code, account.json()["error"]) == (403, "This action is outside the authorized scopes")
    with running(STATUSES, token=TOKEN, scopes=("write",), report_scopes=False) as server:
        assert get(server, PUBLIC).status_code == 200, "a token that is not required is optional"
        assert get(server, PUBLIC, token=TOKEN).status_code == 403
        assert "scopes" not in get(server, "/api/v1/apps/verify_credentials", token=TOKEN).json()


def test_feed_access_settings_behave_like_mastodon_4_4():
    access = parse_timelines_access("live_feeds.local=authenticated,live_feeds.remote=disabled,hashtag_feeds=disabled")
    local_ids = [s["id"] for s in STATUSES if "@" not in s["account"]["acct"]]
    with running(STATUSES, token=TOKEN, timelines_access=access) as server:
        anonymous = get(server, PUBLIC)
        assert (anonymous.status_code, anonymous.json()["error"]) == (422, "This method requires an authenticated user")
        assert get(server, PUBLIC, remote="true").status_code == 422, "disabled also needs a login first"
        # Logged in: the remote half is disabled, so the public feed is the local feed.
        public = follow_with_token(server, f"{server.url}{PUBLIC}?limit=40", TOKEN)
        assert public == local_ids
        assert get(server, PUBLIC, token=TOKEN, remote="true").json() == []
        assert get(server, "/api/v1/timelines/tag/python", token=TOKEN).json() == []


def follow_with_token(server, url, token):
    seen = []
    while url:
        response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        seen += [s["id"] for s in response.json()]
        url = response.links.get("next", {}).get("url")
    return seen


def test_rate_limit_headers_and_429_once_exceeded():
    with running(STATUSES, rate_limit=3, rate_window=60) as server:
        responses = [get(server, PUBLIC, limit="1") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
    reset = datetime.strptime(responses[0].headers["X-RateLimit-Reset"], "%Y-%m-%dT%H:%M:%S.%fZ")
    seconds = (reset.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).total_seconds()
    assert 50 < seconds <= 60
    assert responses[3].json() == {"error": "Too many requests"}
    assert 50 < int(responses[3].headers["Retry-After"]) <= 60


def test_faults_drop_connections_and_storm_with_429s():
    faults = FaultConfig(drop_every=2, storm_every=5, storm_length=2)
    with running(STATUSES, faults=faults) as server:
        outcomes = []
        for _ in range(10):
            try:
                outcomes.append(get(server, PUBLIC, limit="40").status_code)
            except requests.exceptions.RequestException:  # e.g. IncompleteRead mid-body
                outcomes.append("dropped")
        assert get(server, "/api/v1/instance").status_code == 200, "faults only hit timelines"
    # Requests 4, 5, 9 and 10 storm (the last 2 of every 5); 2, 6 and 8 are dropped.
    assert outcomes == [200, "dropped", 200, 429, 429, "dropped", 200, "dropped", 429, 429]


def test_slow_responses_wait():
    import time

    with running(STATUSES, faults=FaultConfig(slow_every=1, delay=0.3)) as server:
        started = time.monotonic()
        assert get(server, PUBLIC).status_code == 200
        assert time.monotonic() - started >= 0.3


def test_the_token_is_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    with running(STATUSES, token=TOKEN, require_token=True) as server:
        get(server, PUBLIC, token=TOKEN)
        get(server, PUBLIC, token=TOKEN + "x")
        get(server, "/api/v1/apps/verify_credentials", token=TOKEN)
    assert "timelines/public" in caplog.text, "the access log is on"
    assert TOKEN not in caplog.text


def test_configuration_from_the_environment(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    config = ReplayConfig.from_env({
        "REPLAY_RECORDING": "/data/rec.jsonl.gz", "REPLAY_PORT": "9000", "REPLAY_TOKEN_FILE": str(token_file),
        "REPLAY_SCOPES": "read:statuses read:accounts", "REPLAY_TIMELINES_ACCESS": "authenticated",
        "REPLAY_DROP_EVERY": "7", "REPLAY_VERSION": "4.3.0+glitch",
    })
    assert config.token == TOKEN and config.require_token and config.port == 9000
    assert config.scopes == ("read:statuses", "read:accounts") and config.faults.drop_every == 7
    assert config.timelines_access["hashtag_feeds"]["remote"] == "authenticated"
    assert TOKEN not in repr(config)
    with pytest.raises(ConfigError, match="REPLAY_PORT"):
        ReplayConfig.from_env({"REPLAY_PORT": "eighty"})
    with pytest.raises(ConfigError, match="REPLAY_TIMELINES_ACCESS"):
        ReplayConfig.from_env({"REPLAY_TIMELINES_ACCESS": "live_feeds.local=sometimes"})
    with pytest.raises(ConfigError, match="REPLAY_REQUIRE_TOKEN"):
        ReplayConfig.from_env({"REPLAY_REQUIRE_TOKEN": "true"})
    assert parse_timelines_access("absent") is None
    assert parse_timelines_access('{"live_feeds": {"local": "disabled"}}')["live_feeds"]["local"] == "disabled"


def test_the_service_entry_point_refuses_a_missing_recording(monkeypatch, capsys, tmp_path):
    from labctl.replay.__main__ import main

    monkeypatch.delenv("REPLAY_RECORDING", raising=False)
    assert main(["--recording", str(tmp_path / "missing.jsonl.gz")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_dropped_connections_also_work_under_waitress(caplog):
    """The compose service runs waitress, not the development server."""
    import threading

    from waitress.server import create_server

    from labctl.replay.app import create_app
    from labctl.replay.server import _QuietInjectedDrops
    from labctl.replay.store import StatusStore

    logging.getLogger("waitress").addFilter(_QuietInjectedDrops())
    caplog.set_level(logging.INFO)
    app = create_app(ReplayConfig(faults=FaultConfig(drop_every=2)), StatusStore(STATUSES))
    server = create_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}{PUBLIC}?limit=40"
    try:
        assert requests.get(url, timeout=5).status_code == 200
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(url, timeout=5)
        assert [s["id"] for s in requests.get(url, timeout=5).json()] == IDS[:40]
    finally:
        server.close()
    assert "dropping the connection" in caplog.text
    assert "Traceback" not in caplog.text and "Exception while serving" not in caplog.text
