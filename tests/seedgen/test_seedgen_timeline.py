"""The generated timeline: Mastodon-exact entities, the traps a real stream carries, heavy tails."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from labctl.seedgen import GeneratorConfig, recording_lines
from labctl.seedgen.words import EVERYWHERE, NEWS, TOPICS
from labctl.seedgen.ids import snowflake_ms
from labctl.seedgen.writer import recording_entries

STATUS_KEYS = [
    "id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "sensitive", "spoiler_text", "visibility",
    "language", "uri", "url", "replies_count", "reblogs_count", "favourites_count", "edited_at", "content",
    "reblog", "application", "account", "media_attachments", "mentions", "tags", "emojis", "card", "poll",
]  # fmt: skip
ACCOUNT_KEYS = [
    "id", "username", "acct", "display_name", "locked", "bot", "discoverable", "indexable", "group", "created_at",
    "note", "url", "uri", "avatar", "avatar_static", "header", "header_static", "followers_count",
    "following_count", "statuses_count", "last_status_at", "hide_collections", "noindex", "emojis", "roles", "fields",
]  # fmt: skip
API_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture(scope="module")
def routed() -> list[tuple[str, bytes]]:
    return list(recording_entries(GeneratorConfig(statuses=4_000, seed=17)))


@pytest.fixture(scope="module")
def lines(routed) -> list[bytes]:
    return [line for _, line in routed]


@pytest.fixture(scope="module")
def entries(lines) -> list[dict]:
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def originals(entries) -> list[dict]:
    """Every original status as observed, on its own line or inside a boost."""
    return [entry["reblog"] or entry for entry in entries]


def ms(api_time: str) -> int:
    return int(datetime.fromisoformat(api_time).timestamp() * 1000)


def test_entries_are_newest_first_with_snowflake_ids(routed, entries):
    for instance in {instance for instance, _ in routed}:
        times = [ms(json.loads(line)["created_at"]) for i, line in routed if i == instance]
        assert times == sorted(times, reverse=True) and len(set(times)) == len(times)
    for entry in entries:
        for status in filter(None, (entry, entry["reblog"])):
            assert API_TIME.match(status["created_at"])
            assert snowflake_ms(status["id"]) == ms(status["created_at"])


def test_status_and_account_keys_follow_the_serializer_order(originals):
    for status in originals:
        assert [k for k in STATUS_KEYS if k in status] == list(status)
        assert [k for k in ACCOUNT_KEYS if k in status["account"]] == list(status["account"])


def test_accounts_look_like_mastodons(routed):
    accounts = {}
    for instance, line in routed:
        account = json.loads(line)["account"]
        accounts[account["url"]] = account
        host = urlsplit(account["url"]).hostname
        local = host == instance  # as the recorded instance serving the line sees it
        if local:  # bare username for the instance's own users, user@host for the others
            assert account["acct"] == account["username"]
        else:
            assert account["acct"].lower() == f"{account['username']}@{host}".lower()
        assert ("noindex" in account) == local  # Mastodon tells only its own users' preference
    for account in accounts.values():
        assert account["created_at"].endswith("T00:00:00.000Z")  # rounded to midnight, as the API does
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", account["last_status_at"])
    years = Counter(a["created_at"][:4] for a in accounts.values())
    assert min(years) == "2016" and max(years) >= "2025"
    noindex = sum(1 for a in accounts.values() if a.get("noindex")) / len(accounts)
    assert 0.01 < noindex < 0.08  # a few percent


def test_the_same_original_is_boosted_several_times_and_seen_alone_with_moving_counters(entries):
    by_uri: dict[str, list[dict]] = {}
    for entry in entries:
        status = entry["reblog"] or entry
        by_uri.setdefault(status["uri"], []).append(entry)
    boosted_and_alone = [
        seen for seen in by_uri.values()
        if sum(1 for e in seen if e["reblog"]) >= 2 and any(not e["reblog"] for e in seen)
    ]  # fmt: skip
    assert boosted_and_alone
    varying = [
        seen for seen in by_uri.values()
        if len({((e["reblog"] or e)["favourites_count"], (e["reblog"] or e)["reblogs_count"]) for e in seen}) > 1
    ]  # fmt: skip
    assert varying
    for entry in entries:
        if entry["reblog"]:
            assert entry["content"] == "" and entry["uri"].endswith("/activity")
            assert ms(entry["reblog"]["created_at"]) < ms(entry["created_at"])


def test_observations_of_one_status_differ_only_in_their_counters(routed):
    first: dict[tuple[str, str], dict] = {}
    counters = ("replies_count", "reblogs_count", "favourites_count")
    for instance, line in routed:
        entry = json.loads(line)
        status = dict(entry["reblog"] or entry)
        for name in counters:
            del status[name]
        assert first.setdefault((instance, status["uri"]), status) == status


def test_a_status_on_several_instances_has_one_uri_and_an_id_on_each(routed):
    """What de-duplication by uri is for: each server numbers a status it receives itself."""
    seen: dict[str, dict[str, dict]] = {}
    for instance, line in routed:
        entry = json.loads(line)
        status = entry["reblog"] or entry
        seen.setdefault(status["uri"], {})[instance] = status
    shared = [copies for copies in seen.values() if len(copies) > 1]
    assert len(shared) > 0.005 * len(seen)
    for copies in shared:
        statuses = list(copies.values())
        assert len({s["id"] for s in statuses}) == len(statuses)
        assert len({(s["created_at"], s["content"], s["url"]) for s in statuses}) == 1
        assert len({s["account"]["uri"] for s in statuses}) == 1


def test_replies_point_to_older_statuses_some_of_them_in_the_recording(originals):
    ids = {s["id"]: s for s in originals}
    replies = [s for s in originals if s["in_reply_to_id"]]
    assert len(replies) > 0.05 * len(originals)
    for reply in replies:
        assert int(reply["in_reply_to_id"]) < int(reply["id"])
    found = [r for r in replies if r["in_reply_to_id"] in ids]
    assert found and all(ids[r["in_reply_to_id"]]["account"]["id"] == r["in_reply_to_account_id"] for r in found)


def test_content_warnings_edits_and_languages(originals):
    assert any(s["spoiler_text"] and s["sensitive"] for s in originals)
    edited = [s for s in originals if s["edited_at"]]
    assert edited and all(ms(s["edited_at"]) > ms(s["created_at"]) for s in edited)
    languages = Counter(s.get("language", "absent") for s in originals)
    assert languages[None] and languages[""] and languages["absent"] and languages["ja"]


def test_records_that_break_naive_readers_are_there(lines, originals):
    separated = [line for line in lines if any(sep.encode() in line for sep in ("\u2028", "\u2029", "\u0085"))]
    assert separated
    assert any(len(line.decode().splitlines()) > 1 for line in separated)  # str.splitlines() would cut them
    assert any(len(s["content"]) > 10_000 for s in originals)
    assert any("card" not in s for s in originals) and any(s.get("card") is None for s in originals)
    assert any("application" not in s for s in originals) and any("application" in s for s in originals)
    tags = [t["name"] for s in originals for t in s["tags"]]
    assert any(t != t.lower() for t in tags)
    hrefs = [h for s in originals for h in re.findall(r'<a href="([^"]+)" target="_blank"', s["content"])]
    assert any("://www." in h for h in hrefs) and any("#" in h for h in hrefs)
    assert any(urlsplit(h).netloc != urlsplit(h).netloc.lower() for h in hrefs)
    assert any(len(found) != len(set(found)) for s in originals
               if (found := re.findall(r'<a href="([^"]+)" target="_blank"', s["content"])))  # fmt: skip


def test_all_attachment_kinds_polls_and_cards(originals):
    kinds = Counter(m["type"] for s in originals for m in s["media_attachments"])
    assert set(kinds) == {"image", "video", "gifv", "audio", "unknown"}
    assert kinds.most_common(1)[0][0] == "image"
    assert any(s.get("poll") for s in originals) and any(s.get("card") for s in originals)


def test_mentions_and_hashtags_in_content_match_the_entities(originals):
    for status in originals:
        mentioned = re.findall(r'<a href="([^"]+)" class="u-url mention">@<span>([^<]+)</span></a>', status["content"])
        assert {url for url, _ in mentioned} == {m["url"] for m in status["mentions"]}
        typed = re.findall(r'class="mention hashtag" rel="tag">#<span>([^<]+)</span>', status["content"])
        assert {t.lower() for t in typed} == {t["name"].lower() for t in status["tags"]}


def test_every_host_is_an_invented_instance_a_shipped_link_target_or_reserved(entries):
    """No real server is named as an instance: instance hosts are the accounts' (invented);
    links go to the shipped list of public sites; apps and embeds to reserved names."""
    instances = {urlsplit(s["account"]["uri"]).hostname for e in entries for s in filter(None, (e, e["reblog"]))}
    instances |= {urlsplit(m["url"]).hostname.lower() for o in entries for m in (o["reblog"] or o)["mentions"]}
    targets = {h for spec in TOPICS.values() for h in spec["domains"]} | {h for hs in NEWS.values() for h in hs}
    targets |= set(EVERYWHERE)
    blob = b"\n".join(json.dumps(e).encode() for e in entries)
    hosts = {h.decode().lower() for h in re.findall(rb"https?://([A-Za-z0-9.-]+)(?=[/\"?#:])", blob)}
    assert instances and hosts
    for host in hosts:
        bare = host.removeprefix("www.").removeprefix("files.")
        known = bare in instances or bare in targets or bare.endswith((".wikipedia.org", ".example"))
        assert known, host
    assert not instances & targets


def test_activity_and_popularity_are_heavy_tailed(entries, originals):
    authors = Counter(s["account"]["url"] for s in originals)
    top = sum(n for _, n in authors.most_common(max(1, len(authors) // 100)))
    assert top > 0.08 * len(originals)  # the top 1% of authors write far more than 1% of statuses
    followers = sorted(e["account"]["followers_count"] for e in entries)
    assert followers[-1] > 100 * max(followers[len(followers) // 2], 1)
    tags = Counter(t["name"].lower() for s in originals for t in s["tags"])
    # A bounded vocabulary of real tags, still heavy-tailed: a tenth of them carry most uses.
    tenth = sum(n for _, n in tags.most_common(len(tags) // 10))
    assert tenth > 0.3 * sum(tags.values()) and tags.most_common(1)[0][1] > 5 * (sum(tags.values()) / len(tags))


def test_same_config_same_bytes_other_seed_other_bytes():
    config = GeneratorConfig(statuses=300, seed=3)
    assert list(recording_lines(config)) == list(recording_lines(config))
    assert list(recording_lines(config)) != list(recording_lines(config.replace(seed=4)))


def test_parameters_shape_the_output():
    config = GeneratorConfig(statuses=1_500, seed=8, boost_ratio=0.5, languages={"fr": 1}, recorded=("local.test",))
    entries = [json.loads(line) for line in recording_lines(config)]
    boosts = sum(1 for e in entries if e["reblog"])
    assert 0.35 < boosts / len(entries) < 0.65
    assert {(e["reblog"] or e).get("language") for e in entries} <= {"fr", None}  # None: keys left out
    assert any(e["account"]["url"].startswith("https://local.test/") for e in entries)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"statuses": 0}, "statuses"),
        ({"boost_ratio": 1.5}, "boost_ratio"),
        ({"languages": {"en": -1}}, "languages"),
        ({"recorded": ("Upper.Example",)}, "instance"),
        ({"recorded": ()}, "recorded"),
        ({"accounts": 3}, "accounts"),
    ],
)
def test_bad_parameters_are_refused_by_name(change, message):
    with pytest.raises(ValueError, match=message):
        GeneratorConfig(**change)
