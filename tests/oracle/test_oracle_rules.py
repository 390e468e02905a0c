"""The oracle against hand-written statuses, one contract rule at a time, expectations worked out by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest

from labctl.oracle import compute, external_links, handle, normalize_url

HOST = "https://town.example"


def account(username: str, **fields: Any) -> dict[str, Any]:
    """A local account of town.example unless `acct` says otherwise."""
    return {
        "id": str(len(username)),
        "username": username,
        "acct": username,
        "url": f"{HOST}/@{username}",
        "created_at": "2022-11-07T00:00:00.000Z",
        "followers_count": 10,
        "following_count": 5,
        "statuses_count": 100,
        **fields,
    }


def status(status_id: int, author: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": str(status_id),
        "created_at": f"2026-01-01T00:00:{status_id % 60:02d}.000Z",
        "uri": f"{HOST}/users/{author['username']}/statuses/{status_id}",
        "language": "en",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "content": "<p>hello</p>",
        "reblog": None,
        "account": author,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        **fields,
    }


def boost(status_id: int, booster: dict[str, Any], original: dict[str, Any], **fields: Any) -> dict[str, Any]:
    wrapper = status(status_id, booster, content="", language=None, reblog=original, **fields)
    wrapper["uri"] += "/activity"
    return wrapper


def jsonl(*records: Any) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def run(*records: Any) -> dict[str, Any]:
    return compute([jsonl(*records)])


ann, bo = account("ann"), account("bo")


def test_a_boost_counts_once_and_its_original_is_a_status():
    original = status(1, ann)
    result = run(boost(2, bo, original))
    assert result["totals"] == {"statuses": 1, "boosts": 1, "accounts": 2, "statuses_with_media": 0, "malformed": 0}
    assert set(result["followers"]) == {"ann@town.example", "bo@town.example"}
    assert set(result["engagement"]) == {"ann@town.example"}  # bo only boosted: no statuses of its own


def test_the_same_boost_seen_twice_counts_once():
    wrapper = boost(2, bo, status(1, ann))
    assert run(wrapper, wrapper)["totals"]["boosts"] == 1


def test_observations_of_one_status_merge_keeping_each_counters_maximum():
    seen_alone = status(1, ann, favourites_count=5, reblogs_count=1, replies_count=0)
    seen_later = status(1, ann, favourites_count=3, reblogs_count=4, replies_count=2)
    seen_boosted = boost(9, bo, status(1, ann, favourites_count=4, reblogs_count=2, replies_count=7))
    result = run(seen_alone, seen_later, seen_boosted)
    assert result["totals"]["statuses"] == 1
    # max favourites 5 + max reblogs 4 + max replies 7
    assert result["engagement"]["ann@town.example"]["interactions"] == 16


def test_without_a_uri_statuses_are_told_apart_by_id():
    first, again, other = (status(i, ann, favourites_count=f) for i, f in ((1, 2), (1, 6), (2, 1)))
    for record in (first, again, other):
        del record["uri"]
    result = run(first, again, other)
    assert result["totals"]["statuses"] == 2
    assert result["engagement"]["ann@town.example"]["interactions"] == 6 + 1


def test_statuses_with_different_ids_but_one_uri_are_one_status():
    result = run(status(1, ann), status(2, ann, uri=status(1, ann)["uri"]))
    assert result["totals"]["statuses"] == 1


@pytest.mark.parametrize(
    ("acct", "url", "expected"),
    [
        ("Ann", "https://Town.Example/@Ann", "ann@town.example"),  # local: host from the profile url
        ("Bo@Far.Example", "https://far.example/@Bo", "bo@far.example"),  # remote: acct already has the host
        ("cy", "https://town.example:8443/@cy", "cy@town.example"),  # the host, not the port
        ("dee", None, "dee"),  # no usable url: the acct stays bare
        ("eve", "not a url", "eve"),
    ],
)
def test_handles(acct, url, expected):
    assert handle(acct, url) == expected


def test_an_accounts_counters_come_from_its_latest_status_or_boost():
    at = lambda minute, sid, followers: status(  # noqa: E731
        sid, account("ann", followers_count=followers), created_at=f"2026-01-01T10:{minute:02d}:00.000Z"
    )
    newest_by_boost = boost(50, account("ann", followers_count=7), status(60, bo), created_at="2026-01-01T10:30:00Z")
    tie_lower_id = at(20, 41, 999)
    tie_higher_id = at(20, 42, 12)  # same instant: the greater id wins
    result = run(at(10, 3, 500), newest_by_boost, tie_higher_id, tie_lower_id)
    assert result["followers"]["ann@town.example"]["followers"] == 7
    result = run(at(10, 3, 500), tie_lower_id, tie_higher_id)
    assert result["followers"]["ann@town.example"] == {"followers": 12, "following": 5, "statuses_count": 100}


def test_two_copies_of_one_observation_keep_the_larger_counts_whatever_the_order():
    small = status(5, account("ann", followers_count=3, following_count=9))
    large = status(5, account("ann", followers_count=4, following_count=1))
    for records in ((small, large), (large, small)):
        assert run(*records)["followers"]["ann@town.example"]["followers"] == 4


def test_instants_are_compared_as_times_not_as_text():
    earlier = status(1, account("ann", followers_count=1), created_at="2026-01-01T12:00:00.000+02:00")  # 10:00Z
    later = status(2, account("ann", followers_count=2), created_at="2026-01-01T11:00:00.000Z")
    assert run(later, earlier)["followers"]["ann@town.example"]["followers"] == 2


def test_engagement_divides_by_statuses_and_by_followers_at_least_one():
    people = {"ann": 3, "bo": 0, "cy": -1}  # -1: a server hiding the count; negative counts are 0
    records = []
    for name, followers in people.items():
        author = account(name, followers_count=followers)
        records += [status(len(records) + 1, author, favourites_count=4), status(len(records) + 2, author, replies_count=5)]
    result = run(*records)
    assert result["engagement"]["ann@town.example"] == {
        "statuses": 2, "interactions": 9, "followers": 3, "avg_interactions": 4.5, "engagement_rate": 1.5,
    }  # fmt: skip
    assert result["engagement"]["bo@town.example"]["engagement_rate"] == 4.5  # 9 / (2 * max(0, 1))
    assert result["engagement"]["cy@town.example"]["followers"] == 0
    assert result["engagement"]["cy@town.example"]["engagement_rate"] == 4.5
    assert isinstance(result["engagement"]["ann@town.example"]["avg_interactions"], float)


def test_user_growth_counts_distinct_accounts_per_utc_month_of_creation():
    created = {
        "ann": "2022-11-07T00:00:00.000Z",
        "bo": "2022-11-30T00:00:00.000Z",
        "cy": "2017-04-02T00:00:00.000Z",
        "dee": "2022-12-31T23:30:00.000-02:00",  # 2023-01-01 01:30 UTC
    }
    records = [status(i, account(name, created_at=when)) for i, (name, when) in enumerate(created.items(), 1)]
    records.append(status(9, account("ann", created_at=created["ann"])))  # ann again: still one account
    assert run(*records)["user_growth"] == {
        "2017-04": {"new": 1, "cumulative": 1},
        "2022-11": {"new": 2, "cumulative": 3},
        "2023-01": {"new": 1, "cumulative": 4},
    }


def test_an_account_without_a_readable_creation_date_counts_in_no_month():
    result = run(status(1, ann), status(2, account("bo", created_at="someday")), status(3, account("cy", created_at=None)))
    assert result["totals"]["accounts"] == 3
    assert result["user_growth"] == {"2022-11": {"new": 1, "cumulative": 1}}


def test_boosters_count_in_user_growth_and_accounts():
    result = run(boost(2, account("bo", created_at="2019-05-05T00:00:00.000Z"), status(1, ann)))
    assert result["user_growth"] == {"2019-05": {"new": 1, "cumulative": 1}, "2022-11": {"new": 1, "cumulative": 2}}


MENTION = '<span class="h-card" translate="no"><a href="https://far.example/@bo" class="u-url mention">@<span>bo</span></a></span>'
HASHTAG = '<a href="https://town.example/tags/rust" class="mention hashtag" rel="tag">#<span>Rust</span></a>'


def link(href: str) -> str:
    return f'<a href="{href}" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">x</span></a>'


def test_external_links_skip_mentions_and_hashtags_and_normalise():
    content = (
        f"<p>{MENTION} {HASHTAG} "
        + link("https://WWW.News.Example/Path/To?q=1&amp;r=2#section")
        + link("http://news.example/Path/To?q=1&amp;r=2")
        + '<a href="https://blog.example/a" class="status-link">post</a>'
        + '<a href="mailto:someone@town.example">mail</a><a href="/relative">rel</a><a>no href</a></p>'
    )
    assert external_links(content) == [
        ("https://news.example/Path/To?q=1&r=2", "news.example"),  # &amp; decoded, www. and #fragment gone
        ("http://news.example/Path/To?q=1&r=2", "news.example"),
        ("https://blog.example/a", "blog.example"),
    ]


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("HTTPS://Example.COM/A#b", ("https://example.com/A", "example.com")),
        ("https://www.example.com", ("https://example.com", "example.com")),
        ("https://wwwexample.com/x", ("https://wwwexample.com/x", "wwwexample.com")),
        ("https://example.com:8080/x", ("https://example.com:8080/x", "example.com")),
        ("ftp://example.com/x", None),
        ("https:///nohost", None),
    ],
)
def test_url_normalisation(href, expected):
    assert normalize_url(href) == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://Example.com/Path/?", ("https://example.com/Path/?", "example.com")),  # kept as written
        ("https://User@WWW.Example.com:8080/x", ("https://User@example.com:8080/x", "example.com")),
        ("https://www.www.example.com/", ("https://www.example.com/", "www.example.com")),  # one www. only
        ("https://example.com?q=a/b#c", ("https://example.com?q=a/b", "example.com")),
        ("javascript:alert('https://x.example')", None),
    ],
)
def test_url_normalisation_keeps_all_but_scheme_host_and_fragment_as_written(href, expected):
    assert normalize_url(href) == expected


def test_link_classes_are_words_in_any_case():
    content = (
        '<a href="https://a.example/1" class="Mention">m</a><a href="https://a.example/2" class="u-url HASHTAG">h</a>'
        '<a href="https://a.example/3" class="mentions hashtags">not the words</a>'
    )
    assert external_links(content) == [("https://a.example/3", "a.example")]


def test_urls_and_domains_count_distinct_statuses():
    twice = f"<p>{link('https://news.example/a')} and again {link('https://NEWS.example/a#top')}</p>"
    other = f"<p>{link('https://www.news.example/b')}</p>"
    boosted = f"<p>{link('https://news.example/a')}</p>"
    result = run(
        status(1, ann, content=twice), status(2, ann, content=other), boost(3, bo, status(4, bo, content=boosted))
    )
    assert result["urls"] == {"https://news.example/a": 2, "https://news.example/b": 1}
    assert result["domains"] == {"news.example": 3}


def test_the_copy_edited_last_gives_the_fields_counters_stay_maxima():
    before = status(1, ann, tags=[{"name": "old"}], favourites_count=9, content="<p>before</p>")
    after = status(1, ann, tags=[{"name": "new"}], favourites_count=2, edited_at="2026-01-01T10:00:00.000Z")
    for records in ((before, after), (after, before)):
        result = run(*records)
        assert result["tags"] == {"new": 1}
        assert result["engagement"]["ann@town.example"]["interactions"] == 9


def test_languages_default_to_und():
    records = [status(1, ann, language="de"), status(2, ann, language=None), status(3, ann, language="")]
    missing = status(4, ann)
    del missing["language"]
    result = run(*records, missing)
    assert result["languages"] == {"und": 3, "de": 1}
    assert sum(result["languages"].values()) == result["totals"]["statuses"]


def test_media_counts_statuses_with_media_and_attachments_by_type():
    two_images = [{"id": "1", "type": "image"}, {"id": "2", "type": "image"}]
    result = run(
        status(1, ann, media_attachments=two_images),
        status(2, ann, media_attachments=[{"id": "3", "type": "video"}]),
        status(3, ann),
        status(1, ann, media_attachments=two_images),  # seen again: not counted twice
    )
    assert result["totals"]["statuses_with_media"] == 2
    assert result["media_types"] == {"image": 2, "video": 1}


def test_attachments_that_are_not_objects_or_have_no_type_count_as_unknown():
    result = run(status(1, ann, media_attachments=["x", {"id": "2"}, {"id": "3", "type": ""}, {"type": "audio"}]))
    assert result["media_types"] == {"unknown": 3, "audio": 1}
    assert result["totals"]["statuses_with_media"] == 1


def test_nameless_tags_mentions_and_emojis_are_ignored():
    result = run(
        status(
            1, ann,
            tags=[{"name": ""}, {"url": "x"}, "Rust", {"name": "ok"}],
            mentions=[{"acct": "", "url": "https://town.example/@x"}, {"username": "y"}],
            emojis=[{"shortcode": ""}, {"url": "x"}, {"shortcode": "blob"}],
        )
    )  # fmt: skip
    assert (result["tags"], result["mentions"], result["emojis"]) == ({"ok": 1}, {}, {"blob": 1})


def test_a_boost_of_a_boost_unwraps_level_by_level():
    inner = boost(2, bo, status(1, ann))
    result = run(boost(3, account("cy"), inner))
    assert result["totals"]["boosts"] == 2 and result["totals"]["statuses"] == 1
    assert result["totals"]["accounts"] == 3
    assert run(boost(3, account("cy"), boost(2, bo, {"id": "1"})))["totals"]["malformed"] == 1


def test_anchors_inside_html_comments_are_not_links():
    assert external_links('<p><!-- <a href="https://hidden.example/">x</a> --></p>') == []


def test_tags_are_lower_cased_and_counted_once_per_status():
    result = run(
        status(1, ann, tags=[{"name": "Rust"}, {"name": "rust"}, {"name": "Fediverse"}]),
        status(2, ann, tags=[{"name": "RUST"}]),
    )
    assert result["tags"] == {"rust": 2, "fediverse": 1}


def test_mentions_use_the_handle_rule_and_count_once_per_status():
    local_bo = {"id": "7", "username": "bo", "acct": "bo", "url": "https://town.example/@bo"}
    remote_cy = {"id": "8", "username": "cy", "acct": "Cy@Far.Example", "url": "https://far.example/@cy"}
    result = run(status(1, ann, mentions=[local_bo, remote_cy, local_bo]), status(2, ann, mentions=[remote_cy]))
    assert result["mentions"] == {"cy@far.example": 2, "bo@town.example": 1}


def test_emoji_shortcodes_keep_their_case():
    result = run(
        status(1, ann, emojis=[{"shortcode": "blobcat"}, {"shortcode": "BlobCat"}]),
        status(2, ann, emojis=[{"shortcode": "blobcat"}]),
    )
    assert result["emojis"] == {"blobcat": 2, "BlobCat": 1}


def test_top_lists_are_ordered_by_count_then_key():
    result = run(
        status(1, ann, tags=[{"name": "b"}, {"name": "c"}]),
        status(2, ann, tags=[{"name": "c"}, {"name": "a"}]),
        status(3, ann, tags=[{"name": "z"}, {"name": "c"}]),
        status(4, ann, tags=[{"name": "z"}]),
    )
    assert list(result["tags"].items()) == [("c", 3), ("z", 2), ("a", 1), ("b", 1)]


def test_followers_are_listed_by_followers_and_engagement_by_interactions():
    result = run(
        status(1, account("ann", followers_count=5), favourites_count=1),
        status(2, account("bo", followers_count=50), favourites_count=0),
        status(3, account("cy", followers_count=5), favourites_count=7),
    )
    assert list(result["followers"]) == ["bo@town.example", "ann@town.example", "cy@town.example"]
    assert list(result["engagement"]) == ["cy@town.example", "ann@town.example", "bo@town.example"]


def test_the_document_has_exactly_the_contracts_keys():
    result = run(status(1, ann))
    assert list(result) == [
        "totals", "followers", "engagement", "user_growth", "urls", "domains",
        "languages", "media_types", "tags", "mentions", "emojis",
        "instances", "regions", "language_by_region", "media_engagement",
    ]  # fmt: skip
    assert list(result["totals"]) == ["statuses", "boosts", "accounts", "statuses_with_media", "malformed"]
    assert list(result["media_engagement"]) == ["with_media", "without_media", "by_type"]
    assert list(result["media_engagement"]["with_media"]) == ["statuses", "interactions", "avg_interactions"]


def test_the_oracle_imports_only_the_standard_library():
    """Its independence is what makes it an oracle: no import of jobs/ or of labctl."""
    import ast
    import sys
    from pathlib import Path

    from labctl import oracle

    tree = ast.parse(Path(oracle.metrics.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)
