"""The replay server as a careful operator expects it (issue 16): tokens it never issued are
refused, the rate limit cannot be dodged by inventing tokens, its table of windows does not
grow without end, and run by hand it listens on loopback only."""

from __future__ import annotations

import requests
from mastodon import Mastodon
from mastodon.errors import MastodonUnauthorizedError
from replayserver import running
from statusfactory import make_timeline

from labctl.replay.config import ReplayConfig
from labctl.replay.limits import RateLimiter

STATUSES = make_timeline(50)
PUBLIC = "/api/v1/timelines/public"
TOKEN = "replay-issued-token-42"


def test_without_a_token_file_a_bearer_token_is_refused_and_anonymous_reads_stay_open():
    with running(STATUSES) as server:
        api = Mastodon(api_base_url=server.url, access_token="made-up-token", version_check_mode="none")
        try:
            api.timeline_public(limit=5)
        except MastodonUnauthorizedError as exc:
            assert exc.args[1] == 401
        else:
            raise AssertionError("a token the server never issued was accepted")
        anonymous = Mastodon(api_base_url=server.url, version_check_mode="none")
        assert len(anonymous.timeline_public(limit=5)) == 5
        credentials = requests.get(server.url + "/api/v1/apps/verify_credentials",
                                   headers={"Authorization": "Bearer made-up-token"}, timeout=5)
        assert (credentials.status_code, credentials.json()) == (401, {"error": "The access token is invalid"})


def test_inventing_tokens_gives_no_fresh_budget():
    with running(STATUSES, rate_limit=3, rate_window=60, token=TOKEN) as server:
        invented = [requests.get(server.url + PUBLIC, headers={"Authorization": f"Bearer invented-{n}"}, timeout=5)
                    for n in range(5)]
        anonymous = requests.get(server.url + PUBLIC, timeout=5)
        issued = requests.get(server.url + PUBLIC, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    # The invented tokens share the client's address budget: 401 while it lasts, then 429.
    assert [r.status_code for r in invented] == [401, 401, 401, 429, 429]
    assert anonymous.status_code == 429
    # The issued token is an account of its own, with its own window.
    assert issued.status_code == 200 and issued.headers["X-RateLimit-Remaining"] == "2"


def test_the_table_of_windows_shrinks_once_they_end():
    now = [1000.0]
    limiter = RateLimiter(5, 10.0, clock=lambda: now[0])
    for n in range(500):
        limiter.hit(f"ip:10.0.{n // 250}.{n % 250}")
    assert len(limiter) == 500
    now[0] += 10.5
    limiter.hit("ip:10.9.9.9")
    assert len(limiter) == 1
    assert limiter.hit("ip:10.9.9.9").remaining == 3


def test_run_by_hand_it_binds_loopback_unless_told_otherwise():
    assert ReplayConfig.from_env({}).host == "127.0.0.1"
    assert ReplayConfig.from_env({"REPLAY_HOST": "0.0.0.0"}).host == "0.0.0.0"
