"""Both steps in process (map, sort, combine, reduce) on hand-written statuses: the contract end to end."""

from __future__ import annotations

import random
from collections import Counter

from status_factory import account, boost, line, metrics, run_job, status

EMPTY_SECTIONS = ("followers", "engagement", "user_growth", "urls", "domains", "languages", "media_types", "tags", "mentions", "emojis")


def test_empty_input_gives_zero_totals_and_empty_lists():
    for records in ([], [b"", b"  \n", b"\r\n"]):
        doc = metrics(records)
        assert doc["totals"] == {"statuses": 0, "boosts": 0, "accounts": 0, "statuses_with_media": 0, "malformed": 0}
        assert all(doc[section] == {} for section in EMPTY_SECTIONS)


def test_a_boost_counts_once_and_its_original_is_a_status():
    carol, bob = account("carol"), account("bob")
    original = status("1", by=carol, favourites_count=4)
    doc = metrics([boost("2", original, by=bob), boost("3", original, by=account("dan"))])
    assert doc["totals"]["boosts"] == 2
    assert doc["totals"]["statuses"] == 1
    assert doc["totals"]["accounts"] == 3  # authors of statuses or boosts
    assert list(doc["engagement"]) == ["carol@example.social"]  # boosts are not original statuses
    assert set(doc["followers"]) == {"carol@example.social", "bob@example.social", "dan@example.social"}


def test_a_boost_seen_twice_counts_once():
    wrapper = boost("2", status("1"))
    assert metrics([wrapper, wrapper])["totals"]["boosts"] == 1


def test_duplicates_keep_the_maximum_of_each_count():
    copies = [
        status("1", favourites_count=5, reblogs_count=0, replies_count=1),
        status("1", favourites_count=2, reblogs_count=3, replies_count=0),
        boost("9", status("1", favourites_count=0, reblogs_count=1, replies_count=6)),
    ]
    doc = metrics(copies)
    assert doc["totals"]["statuses"] == 1
    assert doc["engagement"]["alice@example.social"]["interactions"] == 5 + 3 + 6
    assert doc["engagement"]["alice@example.social"]["statuses"] == 1


def test_duplicates_fall_back_to_the_id_without_uri():
    doc = metrics([status("7", uri=None), status(7, uri=None), status("8", uri=None)])
    assert doc["totals"]["statuses"] == 2


def test_followers_come_from_the_most_recent_observation():
    def by(followers: int) -> dict:
        return account("alice", followers_count=followers, following_count=followers + 1, statuses_count=followers + 2)

    doc = metrics([
        status("100", by=by(30), created_at="2024-05-01T10:00:00Z"),
        status("9", by=by(10), created_at="2024-05-01T13:00:00+02:00"),  # 11:00 UTC: earlier, though "13" > "12"
        status("10", by=by(20), created_at="2024-05-01T12:00:00.000Z"),  # ties with the next on time
        status("11", by=by(21), created_at="2024-05-01T12:00:00Z"),  # greater numeric id: wins
        boost("5", status("6", by=account("zed")), by=by(1), created_at="2024-04-01T00:00:00Z"),
    ])
    assert doc["followers"]["alice@example.social"] == {"followers": 21, "following": 22, "statuses_count": 23}
    engagement = doc["engagement"]["alice@example.social"]
    assert engagement["followers"] == 21 and engagement["statuses"] == 4


def test_engagement_rates():
    alice = account("alice", followers_count=4)
    nobody = account("nobody", followers_count=0)
    doc = metrics([
        status("1", by=alice, favourites_count=3, reblogs_count=2, replies_count=1),
        status("2", by=alice, favourites_count=1),
        status("3", by=nobody, favourites_count=2),
    ])
    alice_row = doc["engagement"]["alice@example.social"]
    assert alice_row == {"statuses": 2, "interactions": 7, "followers": 4, "avg_interactions": 3.5, "engagement_rate": 7 / 8}
    assert doc["engagement"]["nobody@example.social"]["engagement_rate"] == 2.0  # max(followers, 1)
    assert list(doc["engagement"]) == ["alice@example.social", "nobody@example.social"]  # by interactions


def test_user_growth_by_account_creation_month():
    doc = metrics([
        status("1", by=account("a", created_at="2023-01-31T23:30:00-02:00")),  # 2023-02-01 UTC
        status("2", by=account("b", created_at="2023-02-10T00:00:00Z")),
        status("3", by=account("b", created_at="2023-02-10T00:00:00Z")),  # same account again
        boost("4", status("5", by=account("c", created_at="2022-11-05")), by=account("d", created_at="2023-02-01")),
        status("6", by=account("e", created_at=None)),  # unknown month: counted in accounts only
    ])
    assert doc["user_growth"] == {
        "2022-11": {"new": 1, "cumulative": 1},
        "2023-02": {"new": 3, "cumulative": 4},
    }
    assert doc["totals"]["accounts"] == 5


def test_urls_and_domains_count_distinct_statuses():
    doc = metrics([
        status("1", content='<p><a href="https://WWW.Site.example/a#x">1</a> <a href="https://site.example/a">again</a></p>'),
        status("2", content='<p><a href="https://site.example/a#y" class="external">2</a> <a href="http://site.example/b">b</a></p>'),
        status("3", content='<p><a href="https://site.example/a" class="mention">@a</a> <a href="https://site.example/tags/x" class="mention hashtag">#x</a></p>'),
    ])
    assert doc["urls"] == {"https://site.example/a": 2, "http://site.example/b": 1}
    assert doc["domains"] == {"site.example": 2}


def test_languages_with_und_for_null_or_empty():
    missing = status("4")
    del missing["language"]
    doc = metrics([status("1", language="en"), status("2", language=None), status("3", language=""), missing])
    assert doc["languages"] == {"und": 3, "en": 1}


def test_media_statuses_and_attachment_types():
    doc = metrics([
        status("1", media_attachments=[{"type": "image"}, {"type": "image"}, {"type": "gifv"}]),
        status("2", media_attachments=[{"type": "video"}]),
        status("3", media_attachments=[]),
        status("4", media_attachments=[{"type": None}]),
    ])
    assert doc["totals"]["statuses_with_media"] == 3
    assert doc["media_types"] == {"image": 2, "gifv": 1, "unknown": 1, "video": 1}


def test_tags_mentions_and_emojis_count_distinct_statuses():
    bob = {"acct": "Bob", "url": "https://Example.Social/@bob"}
    doc = metrics([
        status("1", tags=[{"name": "Python"}, {"name": "python"}], mentions=[bob, bob], emojis=[{"shortcode": "ok"}]),
        status("2", tags=[{"name": "PYTHON"}, {"name": "Rust"}], mentions=[{"acct": "bob@example.social"}]),
        status("3", tags=[{"name": "rust"}], emojis=[{"shortcode": "ok"}, {"shortcode": "ok"}, {"shortcode": "Yes"}]),
    ])
    assert doc["tags"] == {"python": 2, "rust": 2}
    assert doc["mentions"] == {"bob@example.social": 2}
    assert doc["emojis"] == {"ok": 2, "Yes": 1}


def test_malformed_lines_are_counted_and_nothing_else_changes():
    bad = [b"\xff\xfe\xfd", b"{broken", b"[1, 2]", b"12", b'{"account": {}}', b'{"id": "1"}', b'{"id": "1", "account": []}']
    good = [line(status("1")), line(boost("2", status("3")))]
    doc = metrics(good + bad + [b"", b"   "])
    assert doc["totals"]["malformed"] == len(bad)
    assert doc == {**metrics(good), "totals": {**metrics(good)["totals"], "malformed": len(bad)}}


def test_unicode_line_separators_stay_inside_their_record():
    text = "one\u2028two\u2029three\x85four"
    raw = line(status("1", content=f"<p>{text}</p>", tags=[{"name": f"a\u2028b"}]))
    assert b"\xe2\x80\xa8" in raw  # written raw, not escaped
    doc = metrics([raw, line(status("2"))])
    assert doc["totals"] == {"statuses": 2, "boosts": 0, "accounts": 1, "statuses_with_media": 0, "malformed": 0}
    assert doc["tags"] == {"a\u2028b": 1}


def test_crlf_lines_equal_lf_lines():
    lines = [line(status(str(n), favourites_count=n)) for n in range(3)]
    assert metrics([raw.replace(b"\n", b"\r\n") for raw in lines]) == metrics(lines)


def test_lists_are_ordered_by_count_then_key():
    doc = metrics([
        status("1", tags=[{"name": "b"}, {"name": "c"}]),
        status("2", tags=[{"name": "c"}, {"name": "a"}]),
        status("3", tags=[{"name": "d"}]),
    ])
    assert list(doc["tags"].items()) == [("c", 2), ("a", 1), ("b", 1), ("d", 1)]


def test_result_does_not_depend_on_combiners_or_input_order():
    rng = random.Random(3)
    authors = [account(name, followers_count=rng.randint(0, 50)) for name in "abcdef"]
    records = []
    for n in range(60):
        post = status(
            str(rng.randint(1, 25)),  # many duplicates
            by=rng.choice(authors),
            favourites_count=rng.randint(0, 9),
            created_at=f"2024-05-{rng.randint(1, 28):02d}T00:00:00Z",
            tags=[{"name": rng.choice("XYZxyz")}],
        )
        records.append(line(boost(f"b{n}", post, by=rng.choice(authors)) if n % 4 == 0 else post))
    reference = metrics(records)
    rng.shuffle(records)
    counters = Counter()
    from labctl.jobs.output import metrics_from_output

    assert metrics_from_output(run_job(records, counters, combine=False)) == reference
    assert metrics(records) == reference
    assert counters[("Mastodon", "records_read")] == 60
