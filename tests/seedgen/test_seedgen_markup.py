"""Mastodon's HTML for links, mentions and hashtags, and the id/time helpers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from labctl.seedgen import markup
from labctl.seedgen.ids import id_path, iso_day, iso_ms, parse_instant, snowflake, snowflake_ms


def test_mention_markup_is_mastodons():
    assert markup.mention("https://host.example/@user", "user") == (
        '<span class="h-card" translate="no"><a href="https://host.example/@user" class="u-url mention">'
        "@<span>user</span></a></span>"
    )


def test_hashtag_markup_is_mastodons():
    assert markup.hashtag("https://host.example/tags/Tag", "Tag") == (
        '<a href="https://host.example/tags/Tag" class="mention hashtag" rel="tag">#<span>Tag</span></a>'
    )


def test_a_long_link_shows_thirty_characters_after_scheme_and_www():
    url = "https://www.example.com/a/long/path/that/goes/on/and/on"
    assert markup.link(url) == (
        f'<a href="{url}" target="_blank" rel="nofollow noopener" translate="no">'
        '<span class="invisible">https://www.</span>'
        '<span class="ellipsis">example.com/a/long/path/that/g</span>'
        '<span class="invisible">oes/on/and/on</span></a>'
    )


def test_a_short_link_has_an_empty_class_and_empty_tail():
    assert markup.link("http://example.com/x") == (
        '<a href="http://example.com/x" target="_blank" rel="nofollow noopener" translate="no">'
        '<span class="invisible">http://</span><span class="">example.com/x</span><span class="invisible"></span></a>'
    )


def test_www_in_capitals_is_not_hidden_as_ruby_matches_case_sensitively():
    assert '<span class="invisible">https://</span><span class="">WWW.EXAMPLE.COM/</span>' in markup.link(
        "https://WWW.EXAMPLE.COM/"
    )


def test_text_and_attributes_are_escaped_like_rails():
    assert markup.escape("""a&b <i> "q" it's""") == "a&amp;b &lt;i&gt; &quot;q&quot; it&#39;s"
    assert 'href="https://example.com/?a=1&amp;b=2"' in markup.link("https://example.com/?a=1&b=2")


def test_paragraphs_and_line_breaks():
    assert markup.paragraphs([["one", "two"], ["three"]]) == "<p>one<br />two</p><p>three</p>"


def test_snowflakes_carry_their_creation_time_and_sort_with_it():
    early, late = snowflake(1_700_000_000_000, 0xFFFF), snowflake(1_700_000_000_001, 0)
    assert int(early) < int(late)
    assert snowflake_ms(late) == 1_700_000_000_001


def test_api_time_formats():
    ms = int(datetime(2026, 1, 31, 18, 0, 5, 42_000, tzinfo=timezone.utc).timestamp() * 1000)
    assert iso_ms(ms) == "2026-01-31T18:00:05.042Z"
    assert iso_day(ms) == "2026-01-31"
    assert parse_instant("2026-01-31T18:00:05.042Z") == ms


def test_a_datetime_without_zone_or_format_is_refused():
    with pytest.raises(ValueError, match="timezone"):
        parse_instant("2026-01-31T18:00:00")
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_instant("yesterday")


def test_id_paths_group_digits_by_three():
    assert id_path("23634") == "000/023/634"
    assert id_path("109358046123456789") == "109/358/046/123/456/789"
