"""The collector against the replay server over real HTTP: exactly the recording lands in the
raw zone, once, through pagination, restarts, crashes, rate limits and dropped connections."""

from __future__ import annotations

import json
import logging
from collections import Counter
from fnmatch import fnmatchcase

import pytest
from mastodon.errors import MastodonUnauthorizedError
from lakeview import lake_ids, lake_lines, manifests
from replayserver import running
from statusfactory import make_timeline

from labctl.collect.client import ClientOptions, JsonMastodon, MastodonClient
from labctl.collect.collector import CollectOptions, collect_timeline
from labctl.collect.errors import CollectError
from labctl.collect.timelines import Timeline
from labctl.collect.token import Secret
from labctl.lake.fs import LocalFileSystem
from labctl.replay.limits import FaultConfig

PUBLIC = Timeline.parse("public")
STATUSES = make_timeline(260, remote_every=3, boost_every=7)
FAST = ClientOptions(request_timeout=5, backoff_base=0.01, max_attempts=4)


def options(**changes) -> CollectOptions:
    changes.setdefault("client", FAST)
    changes.setdefault("batch_size", 50)
    changes.setdefault("include_noindex", True)
    return CollectOptions(**changes)





def assert_exactly(fs, statuses):
    got = lake_ids(fs)
    assert len(got) == len(set(got)), f"duplicates: {[i for i, n in Counter(got).items() if n > 1]}"
    assert set(got) == {s["id"] for s in statuses}


def test_a_first_collection_takes_everything_and_a_second_adds_nothing(tmp_path):
    fs = LocalFileSystem(tmp_path)
    with running(STATUSES) as server:
        first = collect_timeline(server.url, PUBLIC, fs, options=options())
        second = collect_timeline(server.url, PUBLIC, fs, options=options())
    assert_exactly(fs, STATUSES)
    assert (first.mode, first.received, first.written, first.duplicates) == ("from-start", 260, 260, 0)
    assert (second.mode, second.received, second.written) == ("catch-up", 0, 0)
    assert first.position_after == second.position_before == STATUSES[0]["id"]
    assert sum(m["count"] for m in manifests(fs)) == 260
    assert all(len(json.loads(line)) < 40 for line in lake_lines(fs)), "lines are minimised statuses"


def test_a_re_run_collects_only_what_is_new(tmp_path):
    fs = LocalFileSystem(tmp_path)
    older, newer = STATUSES[100:], STATUSES[:100]
    with running(older) as server:
        collect_timeline(server.url, PUBLIC, fs, options=options())
    with running(STATUSES) as server:  # the instance has moved on
        result = collect_timeline(server.url, PUBLIC, fs, options=options())
    assert result.received == len(newer)
    assert_exactly(fs, STATUSES)
    ranges = sorted((int(m["min_id"]), int(m["max_id"])) for m in manifests(fs))
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:])), "batches cover disjoint id ranges"


def test_a_first_run_with_a_limit_takes_the_newest_n_then_catches_up(tmp_path):
    fs = LocalFileSystem(tmp_path)
    with running(STATUSES[50:]) as server:
        first = collect_timeline(server.url, PUBLIC, fs, options=options(limit=70))
    assert first.mode == "newest"
    assert_exactly(fs, STATUSES[50:120])
    with running(STATUSES) as server:
        capped = collect_timeline(server.url, PUBLIC, fs, options=options(limit=20))
        rest = collect_timeline(server.url, PUBLIC, fs, options=options())
    assert capped.received == 20 and rest.received == 30
    assert_exactly(fs, STATUSES[:120])


def test_local_and_hashtag_timelines(tmp_path):
    local = [s for s in STATUSES if "@" not in s["account"]["acct"]]
    tagged = [s for s in STATUSES if any(t["name"].lower() == "python" for t in s["tags"])]
    with running(STATUSES) as server:
        fs_local, fs_tag = LocalFileSystem(tmp_path / "l"), LocalFileSystem(tmp_path / "t")
        collect_timeline(server.url, Timeline.parse("local"), fs_local, options=options())
        result = collect_timeline(server.url, Timeline.parse("tag:Python"), fs_tag, options=options())
    assert_exactly(fs_local, local)
    assert_exactly(fs_tag, tagged)
    assert "/timeline=tag_python/" in result.batches[0]


class Crash(Exception):
    pass


class CrashingFS(LocalFileSystem):
    """Crashes at the n-th time a path matching `when` is renamed or written."""

    def __init__(self, base, *, when: str, at: int, on: str = "rename"):
        super().__init__(base)
        self.when, self.at, self.on, self.seen = when, at, on, 0

    def _maybe_crash(self, op: str, path: str) -> None:
        if op == self.on and fnmatchcase(path, self.when):
            self.seen += 1
            if self.seen == self.at:
                raise Crash(f"{op} {path}")

    def rename(self, src, dst):
        self._maybe_crash("rename", dst)
        super().rename(src, dst)

    def write_bytes(self, path, data):
        self._maybe_crash("write", path)
        super().write_bytes(path, data)


@pytest.mark.parametrize("crash", [
    dict(when="*.jsonl.gz", at=3),  # before the third batch becomes visible
    dict(when="/lake/_state/checkpoints/*.json", at=6),  # after a batch, before its checkpoint moves
    dict(when="/lake/_state/checkpoints/*.json", at=5),  # while recording the intent
    dict(when="/lake/_tmp/*.jsonl.gz.inprogress", at=2, on="write"),  # while writing the data
], ids=["data-rename", "checkpoint-commit", "checkpoint-intent", "data-write"])
@pytest.mark.parametrize("limit", [None, 200], ids=["from-start", "newest"])
def test_a_crash_mid_collection_then_a_restart_loses_and_repeats_nothing(tmp_path, crash, limit):
    crashing = CrashingFS(tmp_path, **crash)
    with running(STATUSES) as server:
        with pytest.raises(Crash):
            collect_timeline(server.url, PUBLIC, crashing, options=options(limit=limit))
        assert 0 < len(lake_ids(crashing)) < (limit or len(STATUSES))
        resumed = collect_timeline(server.url, PUBLIC, LocalFileSystem(tmp_path), options=options())
    assert resumed.mode == "catch-up"
    assert_exactly(LocalFileSystem(tmp_path), STATUSES[: limit or len(STATUSES)])


def count_429s(caplog) -> int:
    return sum(1 for r in caplog.records if r.name == "labctl.replay.access" and r.getMessage().startswith("429 "))


def test_429_storms_are_waited_out_without_losing_a_page(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="labctl.replay.access")
    fs = LocalFileSystem(tmp_path)
    storms = FaultConfig(storm_every=4, storm_length=1, storm_reset=0.05)
    with running(STATUSES[:150], faults=storms) as server:
        result = collect_timeline(server.url, PUBLIC, fs, options=options())
    assert_exactly(fs, STATUSES[:150])
    assert count_429s(caplog) == 1, "the 4th timeline request stormed"
    assert result.retries == 0, "Mastodon.py's wait mode retried the 429s itself"


def test_a_rate_limit_is_respected_in_wait_and_pace_modes(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="labctl.replay.access")
    hit_limit = {}
    for method in ("wait", "pace"):
        caplog.clear()
        fs = LocalFileSystem(tmp_path / method)
        client = ClientOptions(request_timeout=5, ratelimit_method=method)
        with running(STATUSES[:120], rate_limit=4, rate_window=0.6) as server:
            result = collect_timeline(server.url, PUBLIC, fs, options=options(client=client))
        assert_exactly(fs, STATUSES[:120])
        assert result.pages == 4  # three full pages of 40 and the empty one that ends catching up
        hit_limit[method] = count_429s(caplog)
    assert hit_limit["wait"] >= 1, "wait mode runs into the limit, then waits for the reset"
    assert hit_limit["pace"] <= hit_limit["wait"], "pace mode spreads requests to avoid it"


def test_dropped_connections_are_retried_without_loss_or_duplicates(tmp_path):
    fs = LocalFileSystem(tmp_path)
    faults = FaultConfig(drop_every=3, drop_rate=0.2, seed=11)
    with running(STATUSES, faults=faults) as server:
        result = collect_timeline(server.url, PUBLIC, fs, options=options(client=ClientOptions(
            request_timeout=5, backoff_base=0.01, max_attempts=8)))
    assert result.retries >= 3
    assert_exactly(fs, STATUSES)


def test_timeouts_are_retried(tmp_path):
    fs = LocalFileSystem(tmp_path)
    slow = FaultConfig(slow_every=3, delay=0.4)
    with running(STATUSES[:120], faults=slow) as server:
        result = collect_timeline(server.url, PUBLIC, fs, options=options(client=ClientOptions(
            request_timeout=0.2, backoff_base=0.01, max_attempts=4)))
    assert result.retries >= 1
    assert_exactly(fs, STATUSES[:120])


def test_retries_are_bounded(tmp_path):
    fs = LocalFileSystem(tmp_path)
    with running(STATUSES, faults=FaultConfig(drop_every=1)) as server:
        with pytest.raises(CollectError, match="giving up after 4 attempts"):
            collect_timeline(server.url, PUBLIC, fs, options=options())
    assert lake_ids(fs) == []


def test_the_noindex_policy_and_minimisation_apply(tmp_path):
    statuses = make_timeline(200, noindex_every=4, boost_every=3)
    excluded = {s["id"] for s in statuses
                if s["account"]["noindex"] or (s["reblog"] and s["reblog"]["account"]["noindex"])}
    assert excluded
    fs = LocalFileSystem(tmp_path / "default")
    with running(statuses) as server:
        result = collect_timeline(server.url, PUBLIC, fs, options=options(include_noindex=False))
        everything = LocalFileSystem(tmp_path / "all")
        collect_timeline(server.url, PUBLIC, everything, options=options(include_noindex=True))
    assert set(lake_ids(fs)) == {s["id"] for s in statuses} - excluded
    assert result.skipped == {"noindex": len(excluded)}
    assert sum(m["skipped_noindex"] for m in manifests(fs)) == len(excluded)
    assert result.position_after == statuses[0]["id"], "skipped statuses still move the checkpoint"
    assert set(lake_ids(everything)) == {s["id"] for s in statuses}
    raw = b"\n".join(lake_lines(everything))
    assert b"display_name" not in raw and b"Bio of user" not in raw and b'"note"' not in raw


def test_pages_come_back_as_plain_json_not_mastodon_py_objects():
    """Guards the JsonMastodon override: a Mastodon.py upgrade that moves the casting hook
    would silently bring back typed objects (and 10x slower collection)."""
    with running(STATUSES[:5]) as server:
        page = MastodonClient(server.url, None).timeline_page(PUBLIC)
        api_page = JsonMastodon(api_base_url=server.url).timeline_public()
    assert [type(s) for s in page] == [dict] * 5 and page == STATUSES[:5]
    assert type(api_page[0]) is dict and api_page._pagination_prev is not None


def test_a_non_mastodon_server_is_collected_too(tmp_path):
    for version, v2 in (("0.17.0 git-1a2b3c", False), ("4.3.0+glitch", True), ("3.5.3", False)):
        fs = LocalFileSystem(tmp_path / version)
        with running(STATUSES[:90], version=version, v2_instance=v2, timelines_access=None) as server:
            result = collect_timeline(server.url, PUBLIC, fs, options=options())
        assert result.access.version == version
        assert result.access.instance_api == ("v2" if v2 else "v1")
        assert_exactly(fs, STATUSES[:90])


def test_collection_with_a_required_token(tmp_path):
    fs = LocalFileSystem(tmp_path)
    with running(STATUSES, token="t0k3n", require_token=True) as server:
        with pytest.raises(CollectError, match="401 The access token is invalid"):
            collect_timeline(server.url, PUBLIC, fs, options=options())
        collect_timeline(server.url, PUBLIC, fs, token=Secret("t0k3n"), options=options())
    assert_exactly(fs, STATUSES)


def test_mastodon_py_errors_name_the_status_and_message():
    with running(STATUSES, token="t0k3n", require_token=True) as server:
        with pytest.raises(MastodonUnauthorizedError):
            MastodonClient(server.url, Secret("wrong")).app_credentials()
