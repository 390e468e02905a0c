"""Partitions and checkpoints are named after the instance as configured, never after the
domain the server claims: a server calling itself another instance must not write into that
instance's partition, nor move its checkpoint. Real HTTP against the replay server."""

from __future__ import annotations

import json

from lakeview import lake_lines, manifests
from replayserver import running
from statusfactory import make_timeline

from labctl.collect.collector import CollectOptions, collect_timeline
from labctl.collect.timelines import Timeline
from labctl.lake.checkpoints import CheckpointStore
from labctl.lake.fs import LocalFileSystem, walk_files
from labctl.lake.layout import LakeLayout

STATUSES = make_timeline(60)
LAYOUT = LakeLayout()


def instances(fs) -> set[str]:
    return {entry.path.split("/instance=")[1].split("/")[0] for entry in walk_files(fs, LAYOUT.raw_source)}


def test_a_server_claiming_another_name_lands_in_its_configured_partition(tmp_path):
    fs = LocalFileSystem(tmp_path / "lake")
    # A real instance's history, collected before.
    store = CheckpointStore(fs, LAYOUT)
    store.commit(LAYOUT.checkpoint_dir("mastodon.social", "public"), None, "999999999999999999")
    with running(STATUSES, domain="mastodon.social") as impostor:
        result = collect_timeline(impostor.url, Timeline.parse("public"), fs, LAYOUT,
                                  options=CollectOptions(include_noindex=True))
    assert result.instance == "127.0.0.1" and instances(fs) == {"127.0.0.1"}
    assert result.written == len(STATUSES)
    # mastodon.social's checkpoint is untouched; the claim is on record in every manifest.
    assert store.load(LAYOUT.checkpoint_dir("mastodon.social", "public")).position == "999999999999999999"
    assert {m["source"]["server_domain"] for m in manifests(fs)} == {"mastodon.social"}


def test_a_configured_name_is_used_as_given(tmp_path):
    fs = LocalFileSystem(tmp_path / "lake")
    with running(STATUSES, domain="whatever.example") as server:
        first = collect_timeline(server.url, Timeline.parse("public"), fs, LAYOUT, instance_name="Social.Lab.Example",
                                 options=CollectOptions(include_noindex=True, limit=20))
        again = collect_timeline(server.url, Timeline.parse("public"), fs, LAYOUT, instance_name="social.lab.example",
                                 options=CollectOptions(include_noindex=True))
    assert instances(fs) == {"social.lab.example"}
    # The second run found the first one's checkpoint under the same (case-folded) name.
    assert first.written == 20 and again.mode == "catch-up" and again.position_before == first.position_after
    newest = sorted(STATUSES, key=lambda s: int(s["id"]))[-20:]
    assert sorted(json.loads(line)["id"] for line in lake_lines(fs)) == sorted(s["id"] for s in newest)


def test_the_configured_instance_of_a_url():
    from labctl.collect.collector import configured_instance

    assert configured_instance("https://Mastodon.Example") == "mastodon.example"
    assert configured_instance("https://mastodon.example/") == "mastodon.example"
    assert configured_instance("http://mastodon-replay:8000/toot.varmo.de") == "toot.varmo.de"
    assert configured_instance("http://mastodon-replay:8000") == "mastodon-replay"
    assert configured_instance("https://host.example/mastodon") == "host.example"  # a path that is not a domain


def test_instances_served_under_prefixes_land_in_their_own_partitions(tmp_path):
    """The replay server's recorded instances (`<replay>/<domain>`), as the DAG's feeds reach them."""
    from labctl.replay.app import create_replay
    from labctl.replay.config import ReplayConfig
    from labctl.replay.server import serve_in_thread
    from labctl.replay.store import StatusStore

    fs = LocalFileSystem(tmp_path / "lake")
    stores = {"one.example": StatusStore(STATUSES[:30]), "two.example": StatusStore(STATUSES[30:])}
    with serve_in_thread(create_replay(ReplayConfig(rate_limit=100_000), stores)) as server:
        for domain in stores:
            collect_timeline(f"{server.url}/{domain}", Timeline.parse("public"), fs, LAYOUT,
                             options=CollectOptions(include_noindex=True))
    assert instances(fs) == {"one.example", "two.example"}
    assert len(lake_lines(fs)) == len(STATUSES)


def test_the_dags_recorded_feed_without_a_domain_is_the_default_instance(tmp_path, monkeypatch):
    from labctl.pipeline import steps
    from labctl.replay.app import create_replay
    from labctl.replay.config import ReplayConfig
    from labctl.replay.server import serve_in_thread
    from labctl.replay.store import StatusStore

    fs = LocalFileSystem(tmp_path / "lake")
    stores = {"one.example": StatusStore(STATUSES[:30]), "two.example": StatusStore(STATUSES[30:])}
    monkeypatch.setattr(steps.cluster, "lake", lambda user: fs)
    with serve_in_thread(create_replay(ReplayConfig(rate_limit=100_000), stores)) as server:
        monkeypatch.setenv("LAB_REPLAY_URL", server.url)  # the address book's override
        result = steps.collect(source="recorded", instance="", timeline="public", limit=None, include_noindex=True,
                               files=[], token=None)
    assert result["instance"] == "one.example" and instances(fs) == {"one.example"}
