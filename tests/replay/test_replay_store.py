"""The in-memory store pages exactly as Mastodon's cursor rules say, checked against a brute force."""

from __future__ import annotations

import gzip
import json
import random

import pytest
from statusfactory import make_timeline, write_jsonl

from labctl.replay.store import StatusStore, View

STATUSES = make_timeline(400, remote_every=3)


def brute_force(statuses, view: View, *, max_id=None, since_id=None, min_id=None, limit=20):
    """Mastodon's rules restated naively: filter, order, cut."""
    def visible(s):
        local = "@" not in s["account"]["acct"]
        tags = {t["name"].lower() for t in s["tags"]}
        if view.scope == "local" and not local or view.scope == "remote" and local:
            return False
        if view.only_media and not s["media_attachments"]:
            return False
        if view.tag is not None:
            if not tags & ({view.tag} | set(view.any_tags)) or not tags >= set(view.all_tags) \
                    or tags & set(view.none_tags):
                return False
        return True

    chosen = [s for s in statuses if visible(s)]
    if max_id is not None:
        chosen = [s for s in chosen if int(s["id"]) < max_id]
    lower = min_id if min_id is not None else since_id
    if lower is not None:
        chosen = [s for s in chosen if int(s["id"]) > lower]
    if min_id is not None:
        chosen = sorted(chosen, key=lambda s: int(s["id"]))[:limit]
    else:
        chosen = sorted(chosen, key=lambda s: -int(s["id"]))[:limit]
    return sorted((s["id"] for s in chosen), key=int, reverse=True)


VIEWS = [View(), View("local"), View("remote"), View(only_media=True), View(tag="python"),
         View(tag="python", any_tags=("data",)), View(tag="python", all_tags=("data",)),
         View(tag="fediverse", none_tags=("python",)), View("local", tag="data")]


@pytest.mark.parametrize("view", VIEWS, ids=repr)
def test_pages_match_mastodons_cursor_rules(view):
    assert brute_force(STATUSES, view, limit=1000), "each view must select something to be a test"
    store = StatusStore(list(reversed(STATUSES)))  # input order must not matter
    rng = random.Random(5)
    ids = [int(s["id"]) for s in STATUSES]
    for _ in range(150):
        cursors = {name: rng.choice(ids) + rng.choice((-1, 0, 1)) if rng.random() < 0.5 else None
                   for name in ("max_id", "since_id", "min_id")}
        limit = rng.randint(1, 40)
        got = [str(e.id) for e in store.page(view, limit=limit, **cursors)]
        assert got == brute_force(STATUSES, view, limit=limit, **cursors), (cursors, limit)


def test_min_id_walks_forward_and_max_id_walks_back_over_everything():
    store = StatusStore(STATUSES)
    expected = [s["id"] for s in STATUSES]
    forward, cursor = [], 0
    while page := store.page(View(), min_id=cursor, limit=40):
        assert [e.id for e in page] == sorted((e.id for e in page), reverse=True)
        forward = [str(e.id) for e in page] + forward
        cursor = page[0].id
    assert forward == expected
    backward, cursor = [], None
    while page := store.page(View(), max_id=cursor, limit=40):
        backward += [str(e.id) for e in page]
        cursor = page[-1].id
    assert backward == expected


def test_serialised_bodies_are_the_statuses():
    store = StatusStore(STATUSES[:5])
    assert [json.loads(e.body) for e in store.page(View(), limit=5)] == STATUSES[:5]


def test_loading_reports_what_it_cannot_serve(tmp_path):
    good = STATUSES[:10]
    lines = [json.dumps(s) for s in good] + ["{broken", json.dumps({"id": "abc"}), json.dumps(good[0]), "[1, 2]"]
    path = tmp_path / "rec.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    store = StatusStore.from_file(path)
    assert store.statuses == good
    report = store.report
    assert (report.statuses, report.unparsed, report.bad_ids, report.duplicates) == (10, 2, 1, 1)


def test_a_json_array_recording_loads_like_json_lines(tmp_path):
    array = tmp_path / "page.json"
    array.write_text(json.dumps(STATUSES[:7], indent=2))
    lines = write_jsonl(STATUSES[:7], tmp_path / "rec.jsonl", compress=False)
    assert StatusStore.from_file(array).statuses == StatusStore.from_file(lines).statuses == STATUSES[:7]


def test_the_instance_domain_comes_from_local_accounts():
    assert StatusStore(STATUSES).domain == "replay.example"
    assert StatusStore([]).domain == "replay.invalid"


def test_a_recordings_own_bytes_are_served(tmp_path):
    line = json.dumps(STATUSES[0], ensure_ascii=False, indent=None, separators=(", ", ": "))
    path = tmp_path / "one.jsonl"
    path.write_text(line + "\r\n", encoding="utf-8")
    [entry] = StatusStore.from_file(path).page(View(), limit=1)
    assert entry.body == line.encode()
