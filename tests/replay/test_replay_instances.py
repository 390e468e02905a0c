"""Several recorded instances behind one replay server, each reached by Mastodon.py through
its own `api_base_url` (a path prefix named after its domain)."""

from __future__ import annotations

import requests
from mastodon import Mastodon
from statusfactory import make_timeline, write_jsonl

from labctl.replay.app import create_replay, load_recordings
from labctl.replay.config import ReplayConfig
from labctl.replay.server import serve_in_thread

DOMAINS = ("toot.varmo.de", "social.lupen.fr", "mast.kiroba.jp")


def recordings(tmp_path):
    timelines = {domain: make_timeline(30 + 10 * n, seed=n, domain=domain) for n, domain in enumerate(DOMAINS)}
    for domain, statuses in timelines.items():  # file names need not be the domains
        write_jsonl(statuses, tmp_path / f"{domain.split('.')[1]}.jsonl.gz")
    (tmp_path / "README.md").write_text("not a recording")
    return timelines


def test_each_instance_is_served_under_its_domain_to_mastodon_py(tmp_path):
    timelines = recordings(tmp_path)
    config = ReplayConfig(recording=tmp_path, rate_limit=10_000)
    with serve_in_thread(create_replay(config)) as server:
        for domain, statuses in timelines.items():
            api = Mastodon(api_base_url=f"{server.url}/{domain}", version_check_mode="none")
            assert api.instance_v2()["domain"] == domain
            seen, page = [], api.timeline_public(limit=40)
            while page:
                seen += [s["id"] for s in page]
                page = api.fetch_next(page)  # the Link header keeps the prefix
            assert seen == [s["id"] for s in statuses]
            local = api.timeline_public(local=True, limit=40)
            assert {s["account"]["url"].split("/")[2] for s in local} == {domain}
        listing = requests.get(f"{server.url}/replay/instances", timeout=5).json()["instances"]
        root = requests.get(f"{server.url}/api/v1/instance", timeout=5).json()
        unknown = requests.get(f"{server.url}/nosuch.example/api/v1/instance", timeout=5)
    # Files in name order: kiroba, lupen, varmo; the first is also the root's instance.
    assert [entry["domain"] for entry in listing] == ["mast.kiroba.jp", "social.lupen.fr", "toot.varmo.de"]
    assert [entry["default"] for entry in listing] == [True, False, False]
    assert [entry["statuses"] for entry in listing] == [len(timelines[e["domain"]]) for e in listing]
    assert root["uri"] == "mast.kiroba.jp"
    assert unknown.status_code == 404


def test_each_instance_has_its_own_rate_limit(tmp_path):
    recordings(tmp_path)
    with serve_in_thread(create_replay(ReplayConfig(recording=tmp_path, rate_limit=2, rate_window=60))) as server:
        first = [requests.get(f"{server.url}/{DOMAINS[0]}/api/v1/timelines/public", timeout=5).status_code for _ in range(3)]
        other = requests.get(f"{server.url}/{DOMAINS[1]}/api/v1/timelines/public", timeout=5).status_code
    assert first == [200, 200, 429] and other == 200


def test_two_recordings_of_one_instance_are_refused(tmp_path):
    statuses = make_timeline(10, domain=DOMAINS[0])
    write_jsonl(statuses, tmp_path / "a.jsonl.gz")
    write_jsonl(statuses, tmp_path / "b.jsonl.gz")
    try:
        load_recordings(ReplayConfig(recording=tmp_path))
    except ValueError as exc:
        assert "two recordings claim the instance toot.varmo.de" in str(exc)
    else:
        raise AssertionError("two recordings of one instance were accepted")
