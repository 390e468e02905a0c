"""The contract's rules for one status (jobs/contract.py)."""

from __future__ import annotations

import json

import pytest

import contract
from status_factory import account, status


@pytest.mark.parametrize(
    ("acct", "url", "expected"),
    [
        ("Alice", "https://Example.Social/@Alice", "alice@example.social"),  # local: host from url
        ("Bob@Other.Org", "https://example.social/@Bob@Other.Org", "bob@other.org"),  # remote: acct wins
        ("carol", "https://example.social:8443/@carol", "carol@example.social"),  # no port
        ("dave", None, "dave"),  # no url: nothing to qualify with
        ("dave", "not a url", "dave"),
        ("erin", "https://[::1/@erin", "erin"),  # unparseable url
        (None, "https://example.social/@x", ""),
    ],
)
def test_handle_rule(acct, url, expected):
    assert contract.handle(acct, url) == expected


def test_author_and_mentions_follow_the_same_handle_rule():
    post = status(
        by=account("Zoe", url="https://Zoe.Example/@Zoe"),
        mentions=[
            {"acct": "Alice", "url": "https://Example.Social/@Alice"},
            {"acct": "bob@far.example", "url": "https://far.example/@bob"},
            {"acct": "alice", "url": "https://example.social/@alice"},  # same handle, once
            "not a mention",
            {"url": "https://example.social/@nobody"},  # no acct: no handle
        ],
    )
    assert contract.author(post) == "zoe@zoe.example"
    assert contract.mentions(post) == ["alice@example.social", "bob@far.example"]


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("HTTPS://WWW.Example.COM/Path?Q=1#frag", "https://example.com/Path?Q=1"),
        ("http://www.www.example.com/", "http://www.example.com/"),  # one leading www. only
        ("https://example.com", "https://example.com"),
        ("https://user@WWW.Example.com:8080/a#", "https://user@example.com:8080/a"),
        ("  https://example.com/x  ", "https://example.com/x"),
        ("https://[2001:DB8::1]:443/", "https://[2001:db8::1]:443/"),
        ("mailto:alice@example.com", None),
        ("ftp://example.com/file", None),
        ("/relative/path", None),
        ("https://", None),
        ("https://www./", None),
    ],
)
def test_normalise_url(href, expected):
    assert contract.normalise_url(href) == expected


def test_domain_has_no_port_or_user():
    assert contract.domain("https://user@example.com:8080/a") == "example.com"


def test_external_links_skip_mentions_and_hashtags_by_class_word():
    content = (
        '<p><a href="https://example.social/@bob" class="u-url mention">@bob</a> '
        '<a href="https://example.social/tags/python" class="mention hashtag" rel="tag">#python</a> '
        '<a href="https://WWW.Blog.Example/post#comments" class="external">a</a> '
        '<a href="https://blog.example/post">same link again</a> '
        '<a href="https://news.example/?a=1&amp;b=2" class="mentions">word is not mention</a> '
        '<A HREF="http://Upper.Example/">upper-case tag</A> '
        '<a href="mailto:x@example.com">mail</a> <a>no href</a> <a href="/local">relative</a></p>'
    )
    assert contract.external_links(content) == [
        "http://upper.example/",
        "https://blog.example/post",
        "https://news.example/?a=1&b=2",
    ]


@pytest.mark.parametrize("content", [None, "", 42, "<p>no links</p>", "<p><a href=x>broken"])
def test_external_links_of_contents_without_links(content):
    assert contract.external_links(content) == []


@pytest.mark.parametrize(("value", "expected"), [("en", "en"), ("", "und"), (None, "und"), (7, "und")])
def test_language(value, expected):
    assert contract.language(status(language=value)) == expected


def test_language_missing_is_und():
    post = status()
    del post["language"]
    assert contract.language(post) == "und"


def test_media_types_one_per_attachment():
    post = status(media_attachments=[{"type": "image"}, {"type": "image"}, {"type": "video"}, {}, "junk"])
    assert sorted(contract.media_types(post)) == ["image", "image", "unknown", "unknown", "video"]
    assert contract.media_types(status(media_attachments=None)) == []


def test_tags_lower_cased_and_distinct():
    post = status(tags=[{"name": "Python"}, {"name": "python"}, {"name": "BigData"}, {"name": ""}, {"url": "x"}])
    assert contract.tags(post) == ["bigdata", "python"]


def test_emojis_distinct_and_case_sensitive():
    post = status(emojis=[{"shortcode": "blobcat"}, {"shortcode": "blobcat"}, {"shortcode": "BlobCat"}])
    assert contract.emojis(post) == ["BlobCat", "blobcat"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"id": "1", "account": {}}\xff', "invalid-utf8"),
        (b"\xc3\x28", "invalid-utf8"),
        (b'{"id": "1", "account": {"acct": "\xed\xa0\x80"}}', "invalid-utf8"),  # encoded surrogate
        (b'{"id": "1", "account": ', "invalid-json"),
        (b'{"id": "1", "account": {}, "favourites_count": NaN}', "invalid-json"),
        (b"\xef\xbb\xbf{}", "invalid-json"),  # a BOM is not JSON
        (b"[" * 100_000 + b"]" * 100_000, "invalid-json"),  # deeper than the parser goes
        (b'[{"id": "1", "account": {}}]', "not-an-object"),
        (b"42", "not-an-object"),
        (b'"a string"', "not-an-object"),
        (b"null", "not-an-object"),
        (b'{"account": {}}', "missing-id"),
        (b'{"id": null, "account": {}}', "missing-id"),
        (b'{"id": "", "account": {}}', "missing-id"),
        (b'{"id": true, "account": {}}', "missing-id"),
        (b'{"id": ["1"], "account": {}}', "missing-id"),
        (b'{"id": "1"}', "missing-account"),
        (b'{"id": "1", "account": null}', "missing-account"),
        (b'{"id": "1", "account": "alice"}', "account-not-an-object"),
        (b'{"id": "1", "account": []}', "account-not-an-object"),
        (b'{"id": "1", "account": {}, "reblog": 5}', "reblog-not-an-object"),
        (b'{"id": "1", "account": {}, "reblog": {"account": {}}}', "reblog-missing-id"),
        (b'{"id": "1", "account": {}, "reblog": {"id": "2"}}', "reblog-missing-account"),
        (b'{"id": "1", "account": {}, "reblog": {"id": "2", "account": 1}}', "reblog-account-not-an-object"),
        (
            b'{"id": "1", "account": {}, "reblog": {"id": "2", "account": {}, "reblog": {"id": "3"}}}',
            "reblog-missing-account",
        ),
    ],
)
def test_malformed_records(raw, reason):
    assert contract.parse_record(raw) == contract.Malformed(reason)
    assert reason in contract.MALFORMED_REASONS


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id": "1", "account": {}}',
        b'{"id": 1, "account": {}}',
        b'{"id": "1", "account": {}, "reblog": null}',
        b'{"id": "1", "account": {}, "content": "a\\u2028b \xe2\x80\xa8 c"}',  # U+2028, escaped and raw
        b'{"id": "1", "account": {"acct": "\\ud800"}}',  # a lone surrogate is still valid JSON
    ],
)
def test_valid_records(raw):
    assert isinstance(contract.parse_record(raw), dict)


def test_statuses_in_a_boost_are_the_wrapper_then_the_original():
    original = status("1")
    wrapper = status("2", reblog=original)
    assert contract.statuses_in(wrapper) == [wrapper, original]
    assert [contract.is_boost(s) for s in contract.statuses_in(wrapper)] == [True, False]


def test_identity_is_uri_else_id():
    assert contract.identity(status("7", uri="https://x/1")) == "https://x/1"
    assert contract.identity(status(7, uri=None)) == "7"
    assert contract.identity(status("7", uri="")) == "7"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T12:00:00.000Z", "2024-05-01T12:00:00.000000"),
        ("2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00.000000"),
        ("2024-05-01T12:00:00", "2024-05-01T12:00:00.000000"),  # naive: UTC
        ("2024-05-01", "2024-05-01T00:00:00.000000"),
        ("yesterday", ""),
        (None, ""),
        (1714564800, ""),
    ],
)
def test_utc_timestamp(value, expected):
    assert contract.utc_timestamp(value) == expected


def test_month_is_utc():
    assert contract.month("2024-06-01T01:00:00+02:00") == "2024-05"


@pytest.mark.parametrize(("value", "expected"), [("109", 109), (109, 109), ("abc", -1), ("١٢", -1), (None, -1)])
def test_numeric_id(value, expected):
    assert contract.numeric_id({"id": value}) == expected


def test_observation_orders_by_time_then_numeric_id():
    old = contract.observation(status("999", created_at="2024-05-01T12:00:00Z"))
    new = contract.observation(status("5", created_at="2024-05-01T12:00:01Z"))
    tie_low, tie_high = (contract.observation(status(i, created_at="2024-05-01T12:00:01Z")) for i in ("9", "10"))
    assert max(old, new) == new
    assert max(tie_low, tie_high) == tie_high  # numeric, not string order ("9" > "10")


def test_counts_accept_integers_only():
    assert [contract.count(v) for v in (3, "3", 3.0, None, True)] == [3, 0, 0, 0, 0]


def test_parse_record_returns_the_decoded_object():
    record = status("1")
    assert contract.parse_record(json.dumps(record).encode()) == record


def test_handle_of_unhashable_or_odd_values():
    assert contract.handle(["alice"], {"url": 1}) == ""
    assert contract.handle("alice", ["https://x.example/"]) == "alice"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('<a href="https://x.example/a>b">t</a>', [("https://x.example/a>b", "")]),  # '>' inside quotes
        ("<a href='https://x.example/' class='mention'>t</a>", [("https://x.example/", "mention")]),
        ("<a href=https://x.example/bare class=ext>t</a>", [("https://x.example/bare", "ext")]),
        ('<A HREF="https://x.example/" CLASS="Mention">t</A>', [("https://x.example/", "Mention")]),
        ('<a href="https://first.example/" href="https://second.example/">t</a>', [("https://first.example/", "")]),
        ('<a\nhref="https://x.example/?a=1&amp;b=2&#38;c=3">t</a>', [("https://x.example/?a=1&b=2&c=3", "")]),
        ('<abbr href="https://x.example/">no</abbr><area href="https://y.example/">', []),
        ("<a>no href</a><a name=x>none</a>", []),
        ('<!-- <a href="https://hidden.example/">x</a> --><a href="https://shown.example/">y</a>', [("https://shown.example/", "")]),
        ('<p>x</p><!-- <a href="https://unclosed.example/">', []),
    ],
)
def test_anchors(content, expected):
    assert list(contract.anchors(content)) == expected


def test_a_class_mention_in_any_case_is_not_an_external_link():
    assert contract.external_links('<a href="https://x.example/" class="u-url Mention">@x</a>') == []
