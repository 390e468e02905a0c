"""Feeds (instance x timeline): parsed, added, removed, and collected each on its own against
the replay server over HTTP, so that one failing feed leaves the others in the lake."""

from __future__ import annotations

import gzip
import json
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from statusfactory import make_timeline, write_jsonl

from labctl.collect.collector import CollectOptions, collect_timeline
from labctl.collect.timelines import Timeline
from labctl.lake.fs import LocalFileSystem, walk_files
from labctl.lake.layout import LakeLayout
from labctl.pipeline.feeds import (
    Feed,
    FeedError,
    add_feed,
    collect_feeds,
    default_feeds,
    dumps_feeds,
    parse_feeds,
    remove_feed,
)
from labctl.pipeline.steps import run_feeds
from labctl.replay.app import create_replay
from labctl.replay.config import ReplayConfig
from labctl.replay.server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("toot.varmo.de", "social.lupen.fr", "mast.kiroba.jp")


def manifest_value(key: str) -> str:
    for line in (ROOT / "stack" / "lab.env").read_text().splitlines():
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{key} is not in stack/lab.env")


def test_the_default_feeds_are_the_three_recorded_instances_of_the_shipped_recording():
    feeds = default_feeds({"MASTODON_PIPELINE_FEEDS": manifest_value("PIPELINE_FEEDS")})
    shipped = {p.name.removesuffix(".jsonl.gz") for p in (ROOT / "seed_data" / "recordings").iterdir()}
    assert len(feeds) == 3 and {f.instance for f in feeds} == shipped
    assert all(f.source == "recorded" and f.timeline == "public" for f in feeds)


def test_a_feed_added_then_removed():
    feeds = parse_feeds("toot.varmo.de public, social.lupen.fr public")
    added = add_feed(feeds, Feed.parse("toot.varmo.de tag:Python"), recorded=DOMAINS)
    assert added[-1] == Feed("toot.varmo.de", "tag:python")
    live = add_feed(added, Feed.parse("https://Mastodon.Example/ local"))
    assert live[-1].source == "live" and live[-1].instance == "https://mastodon.example"
    assert parse_feeds(dumps_feeds(live)) == live  # the Variable's JSON reads back the same
    assert remove_feed(live, Feed.parse("toot.varmo.de tag:python")) == [*feeds, live[-1]]
    with pytest.raises(FeedError, match="already declared"):
        add_feed(feeds, Feed.parse("toot.varmo.de public"))
    with pytest.raises(FeedError, match="serves no instance 'nosuch.example'"):
        add_feed(feeds, Feed.parse("nosuch.example public"), recorded=DOMAINS)
    with pytest.raises(FeedError, match="is not declared"):
        remove_feed(feeds, Feed.parse("mast.kiroba.jp public"))
    with pytest.raises(FeedError, match="last feed"):
        remove_feed(feeds[:1], feeds[0])


@pytest.mark.parametrize("text, message", [
    ("toot.varmo.de", "expected INSTANCE TIMELINE"),
    ("toot.varmo.de home", "unknown timeline"),
    ("ftp://x.example public", "not an instance URL"),
    ("localhost public", "neither a recorded instance"),
    ('[{"instance": 3}]', "expected"),
    ("a.example public, a.example public", "declared twice"),
])
def test_bad_feeds_are_refused_by_name(text, message):
    with pytest.raises(FeedError, match=message):
        parse_feeds(text)


def test_a_run_collects_the_declared_feeds_or_the_one_its_parameters_name(monkeypatch):
    monkeypatch.setenv("MASTODON_PIPELINE_FEEDS", "toot.varmo.de public,mast.kiroba.jp local")
    assert [f["instance"] for f in run_feeds({}, None)] == ["toot.varmo.de", "mast.kiroba.jp"]
    declared = json.dumps([{"instance": "social.lupen.fr", "timeline": "tag:python"}])
    assert run_feeds({"source": None}, declared) == [{"instance": "social.lupen.fr", "timeline": "tag:python", "source": "recorded"}]
    one = run_feeds({"source": "live", "instance": "https://m.example", "timeline": "local"}, declared)
    assert one == [{"source": "live", "instance": "https://m.example", "timeline": "local"}]
    monkeypatch.setenv("MASTODON_PIPELINE_FEEDS", "")
    with pytest.raises(ValueError, match="no feed is declared"):
        run_feeds({}, None)


def test_a_feed_that_fails_while_two_others_land(tmp_path):
    """Three feeds against the replay server over HTTP: one names an instance it does not serve."""
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    timelines = {domain: make_timeline(60 + 10 * n, seed=n, domain=domain) for n, domain in enumerate(DOMAINS[:2])}
    for domain, statuses in timelines.items():
        write_jsonl(statuses, recordings / f"{domain}.jsonl.gz")
    fs, layout = LocalFileSystem(tmp_path / "lake"), LakeLayout()
    feeds = parse_feeds("toot.varmo.de public, mast.kiroba.jp public, social.lupen.fr public")
    options = CollectOptions(batch_size=25)
    with serve_in_thread(create_replay(ReplayConfig(recording=recordings, rate_limit=100_000))) as server:

        def collect_one(feed: Feed):
            return collect_timeline(feed.url(server.url), Timeline.parse(feed.timeline), fs, layout, options=options)

        report = collect_feeds(feeds, collect_one)
        again = collect_feeds(feeds, collect_one)
    assert set(report.collected) == {"toot.varmo.de public", "social.lupen.fr public"}
    assert list(report.failed) == ["mast.kiroba.jp public"] and "404" in report.failed["mast.kiroba.jp public"]
    for domain, statuses in timelines.items():
        result = report.collected[f"{domain} public"]
        assert (result.instance, result.written) == (domain, len(statuses))
        landed = [json.loads(line)["id"] for entry in walk_files(fs, layout.root)
                  if fnmatchcase(entry.path, layout.raw_glob()) and f"/instance={domain}/" in entry.path
                  for line in gzip.decompress(fs.read_bytes(entry.path)).split(b"\n")[:-1]]
        assert sorted(landed) == sorted(s["id"] for s in statuses)
    # Each feed has its own checkpoint: the second run adds nothing, and still fails the one.
    assert all(r.written == 0 for r in again.collected.values()) and list(again.failed) == ["mast.kiroba.jp public"]
