"""Step 1 (jobs/dedup.py): its mapper, combiner and reducer, each on its own."""

from __future__ import annotations

import base64
import itertools
from collections import Counter

import pytest

import contract
import dedup
from status_factory import account, boost, line, status


def mapped(raw: bytes, counters: Counter | None = None) -> list[tuple]:
    return list(dedup.mapper(raw.rstrip(b"\n"), Counter() if counters is None else counters))


def test_mapper_emits_a_compact_copy_and_an_author_observation():
    post = status(
        "42",
        by=account("Alice", followers_count=7, created_at="2022-12-31T23:30:00-01:00"),
        favourites_count=3,
        reblogs_count=2,
        replies_count=1,
        language="de",
        content='<p><a href="https://www.News.example/a#top">n</a></p>',
        tags=[{"name": "Python"}],
        mentions=[{"acct": "bob@far.example", "url": "https://far.example/@bob"}],
        emojis=[{"shortcode": "wave"}],
        media_attachments=[{"type": "image"}],
    )
    counters = Counter()
    rows = mapped(line(post), counters)
    assert [key for key, _ in rows] == [("status", post["uri"]), ("author", "alice@example.social")]
    copy = dedup.decode(rows[0][1])
    assert copy == dedup.Original(
        edited_at="",
        author="alice@example.social",
        favourites=3,
        reblogs=2,
        replies=1,
        language="de",
        media_types=["image"],
        tags=["python"],
        mentions=["bob@far.example"],
        emojis=["wave"],
        urls=["https://news.example/a"],
    )
    seen = contract.Observation(*rows[1][1])
    assert (seen.followers, seen.account_month, seen.status_id) == (7, "2023-01", 42)
    assert counters == Counter({("Mastodon", "records_read"): 1, ("Mastodon", "statuses_read"): 1})


def test_mapper_emits_a_boost_and_its_original_as_two_statuses():
    original = status("1", by=account("carol"))
    counters = Counter()
    rows = mapped(line(boost("2", original, by=account("bob"))), counters)
    keys = [key for key, _ in rows]
    assert keys == [
        ("status", "https://example.social/users/bob/statuses/2/activity"),
        ("author", "bob@example.social"),
        ("status", original["uri"]),
        ("author", "carol@example.social"),
    ]
    assert dedup.decode(rows[0][1]) == dedup.Boost("bob@example.social")
    assert isinstance(dedup.decode(rows[2][1]), dedup.Original)
    assert counters[("Mastodon", "boosts_read")] == 1 and counters[("Mastodon", "statuses_read")] == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "invalid-utf8"),
        (b"{nope", "invalid-json"),
        (b"[1, 2]", "not-an-object"),
        (b"3.5", "not-an-object"),
        (b'{"account": {}}', "missing-id"),
        (b'{"id": "1"}', "missing-account"),
        (b'{"id": "1", "account": "x"}', "account-not-an-object"),
    ],
)
def test_mapper_sets_malformed_lines_aside_with_their_bytes(raw, reason):
    counters = Counter()
    rows = mapped(raw, counters)
    assert [key for key, _ in rows] == [("malformed", reason)]
    assert base64.b64decode(rows[0][1]) == raw
    assert counters[("Mastodon", "malformed")] == 1
    assert counters[("Mastodon malformed", reason)] == 1


@pytest.mark.parametrize("raw", [b"", b"   ", b"\t", b"\r"])
def test_mapper_ignores_blank_lines(raw):
    counters = Counter()
    assert mapped(raw, counters) == []
    assert counters == Counter({("Mastodon", "blank_lines"): 1})


def copy(**fields) -> dedup.Original:
    base = dict(edited_at="", author="a@x", favourites=0, reblogs=0, replies=0, language="en",
                media_types=[], tags=[], mentions=[], emojis=[], urls=[])
    return dedup.Original(**{**base, **fields})


def test_merge_takes_each_count_from_its_maximum_copy():
    copies = [copy(favourites=5, reblogs=1, replies=0), copy(favourites=2, reblogs=4, replies=0), copy(replies=3)]
    merged = dedup.merge_copies(copies)
    assert (merged.favourites, merged.reblogs, merged.replies) == (5, 4, 3)


def test_merge_keeps_the_latest_edit_whatever_the_order():
    copies = [copy(tags=["old"], favourites=9), copy(edited_at="2024-06-01T00:00:00.000000", tags=["new"]), copy(tags=["older"])]
    results = [dedup.merge_copies(order) for order in itertools.permutations(copies)]
    assert all(result == results[0] for result in results)
    assert results[0].tags == ["new"] and results[0].favourites == 9


def test_merge_of_boost_copies():
    assert dedup.merge_copies([dedup.Boost("b@x"), dedup.Boost("b@x")]) == dedup.Boost("b@x")


def test_map_task_keeps_one_observation_per_author():
    alice = account("alice")
    lines = [
        line(status("1", by={**alice, "followers_count": 1}, created_at="2024-01-01T00:00:00Z")),
        line(status("2", by={**alice, "followers_count": 2}, created_at="2024-03-01T00:00:00Z")),
        line(status("3", by={**alice, "followers_count": 3}, created_at="2024-02-01T00:00:00Z")),
        line(boost("4", status("5", by=account("carol")), by=account("bob"))),
    ]
    rows = list(dedup.map_task(lines, Counter()))
    authors = {key[1]: contract.Observation(*value) for key, value in rows if key[0] == "author"}
    assert sorted(authors) == ["alice@example.social", "bob@example.social", "carol@example.social"]
    assert authors["alice@example.social"].followers == 2
    assert sum(key[0] == "status" for key, _ in rows) == 5  # 3 originals, a boost and its original


def test_reducer_emits_contributions_of_a_distinct_original():
    counters = Counter()
    value = copy(
        author="a@toot.x.fr", favourites=2, reblogs=1, replies=4, language="fr", media_types=["image", "video", "image"],
        tags=["t"], mentions=["m@y"], emojis=["e"], urls=["https://s.example/1", "https://s.example:81/2"],
    )
    rows = list(dedup.reducer(("status", "u"), iter([dedup.encode(value), dedup.encode(value)]), counters))
    assert sorted(rows) == sorted([
        (("total", "statuses"), 1),
        (("language", "fr"), 1),
        (("total", "statuses_with_media"), 1),
        (("media_type", "image"), 2),
        (("media_type", "video"), 1),
        (("tag", "t"), 1),
        (("mention", "m@y"), 1),
        (("emoji", "e"), 1),
        (("url", "https://s.example/1"), 1),
        (("url", "https://s.example:81/2"), 1),
        (("domain", "s.example"), 1),  # two links, one domain: one status
        (("account", "a@toot.x.fr"), [None, 1, 7]),
        (("instance", "toot.x.fr"), 1),
        (("region", "fr"), 1),
        (("region_language", "fr/fr"), 1),
        (("media_engagement", "with_media"), [1, 7]),
        (("media_type_engagement", "image"), [1, 7]),  # two images, one status
        (("media_type_engagement", "video"), [1, 7]),
    ])
    assert counters == Counter({("Mastodon", "statuses"): 1})


def test_reducer_counts_a_boost_once_however_many_copies():
    counters = Counter()
    rows = list(dedup.reducer(("status", "b"), iter([["b", "b@x"]] * 3), counters))
    assert rows == [(("total", "boosts"), 1)]


def test_reducer_turns_the_latest_observation_into_account_rows():
    counters = Counter()
    old = ["2024-01-01T00:00:00.000000", 7, 1, 1, 1, "2021-03"]
    new = ["2024-01-01T00:00:00.000000", 8, 2, 2, 2, "2021-03"]
    rows = list(dedup.reducer(("author", "a@x"), iter([old, new]), counters))
    assert rows == [
        (("account", "a@x"), [contract.Observation(*new), 0, 0]),
        (("total", "accounts"), 1),
        (("growth", "2021-03"), 1),
    ]


def test_reducer_counts_accounts_without_creation_date():
    counters = Counter()
    rows = list(dedup.reducer(("author", "a@x"), iter([["", -1, 0, 0, 0, ""]]), counters))
    assert [key for key, _ in rows] == [("account", "a@x"), ("total", "accounts")]
    assert counters[("Mastodon", "accounts_without_created_at")] == 1


def test_reducer_passes_malformed_rows_through_and_rejects_unknown_kinds():
    assert list(dedup.reducer(("malformed", "x"), iter(["YQ==", "YQ=="]), Counter())) == [(("malformed", "x"), "YQ==")] * 2
    with pytest.raises(ValueError, match="unexpected row kind"):
        list(dedup.reducer(("surprise", "x"), iter([1]), Counter()))
