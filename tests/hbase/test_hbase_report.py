"""The offline report (labctl/hbase/report.py, svg.py): rendered from data, no network, escaped."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from xml.etree import ElementTree

from labctl.hbase import loader, report, runs, svg


def test_gather_reads_the_published_run_and_render_shows_every_part(connection, pseudonymiser, generated_document):
    loader.load_run(connection, "r1", generated_document, pseudonymiser)
    runs.publish_run(connection, "r1")
    data = report.gather(connection)
    assert data["run_id"] == "r1" and data["totals"] == generated_document["totals"]
    assert data["languages"] == generated_document["languages"]
    assert len(data["tags"]) == report.CHART_TOP
    page = report.render(data, generated_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    headings = ("Languages", "Account growth", "Media", "Media engagement", "Regions", "Top instances", "Top tags",
                "Top domains", "Most engaged accounts")  # fmt: skip
    for heading in headings:
        assert f"<h2>{heading}</h2>" in page
    assert page.count("<svg") == 10
    assert data["regions"] == generated_document["regions"]
    assert data["language_by_region"] == dict(list(generated_document["language_by_region"].items())[: report.MIX_REGIONS])
    assert data["media_engagement"] == generated_document["media_engagement"]
    assert data["instances"] == dict(list(generated_document["instances"].items())[: report.CHART_TOP])
    top_tag = next(iter(generated_document["tags"]))
    assert top_tag in page
    assert not any(handle in page for handle in generated_document["followers"])  # pseudonyms only


def test_the_page_fetches_nothing_and_runs_no_script(connection, pseudonymiser, generated_document):
    loader.load_run(connection, "r1", generated_document, pseudonymiser)
    runs.publish_run(connection, "r1")
    page = report.render(report.gather(connection))
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def sample(**changes) -> dict:
    data = {
        "run_id": "r1",
        "totals": {"statuses": 4, "boosts": 0, "accounts": 1, "statuses_with_media": 1, "malformed": 0},
        "languages": {"en": 3, "de": 1},
        "user_growth": {"2024-01": {"new": 1, "cumulative": 1}},
        "media_types": {"image": 1},
        "tags": {"rust": 2},
        "domains": {"x.example": 1},
        "urls": {},
        "followers": {},
        "engagement": {},
        "engagement_by_rate": {},
        "mentions": {},
        "emojis": {},
        "instances": {"a.example.de": 3},
        "regions": {"de": 3, "generic": 1},
        "language_by_region": {"de": {"de": 2, "en": 1}, "generic": {"en": 1}},
        "media_engagement": {
            "with_media": {"statuses": 1, "interactions": 5, "avg_interactions": 5.0},
            "without_media": {"statuses": 3, "interactions": 3, "avg_interactions": 1.0},
            "by_type": {"image": {"statuses": 1, "interactions": 5, "avg_interactions": 5.0}},
        },
    }
    return {**data, **changes}


def test_text_from_the_public_is_escaped():
    page = report.render(sample(tags={"<script>alert(1)</script>": 2}, run_id="r<1>"))
    assert "<script>" not in page and "&lt;script&gt;" in page and "r&lt;1&gt;" in page


def test_every_chart_is_well_formed_svg():
    charts = [
        svg.bar_chart([("a & b", 3), ("<c>", 1)], title="t"),
        svg.bar_chart([], title="empty"),
        svg.growth_chart([("2024-01", 2, 2), ("2024-02", 0, 2)], title="g"),
        svg.growth_chart([], title="none"),
        svg.donut([("with", 1), ("without", 3)], title="d"),
        svg.donut([("with", 0), ("without", 0)], title="zero"),
        svg.stacked_bars([("de", [("de", 2), ("<en>", 1)]), ("fr", [("fr", 0)])], title="s"),
        svg.stacked_bars([], title="none"),
    ]
    for chart in charts:
        ElementTree.fromstring(chart)


def test_language_bars_show_shares_and_group_the_rest():
    languages = {f"l{n:02d}": 20 - n for n in range(15)}
    bars = report.language_bars(languages, sum(languages.values()))
    assert len(bars) == report.LANGUAGE_BARS + 1 and bars[-1][0] == "3 others"
    assert abs(sum(share for _, share in bars) - 100) < 1e-9


def test_the_language_mix_keeps_the_most_used_languages_and_groups_the_rest():
    assert report.MIX_LANGUAGES == 6
    by_region = {"de": {"de": 50, "en": 30, "tr": 5, "pl": 4}, "fr": {"fr": 40, "en": 10, "br": 3, "oc": 2, "eo": 1}}
    # Over both regions: de 50, en 40, fr 40, tr 5, pl 4, br 3 are kept; oc and eo are others.
    assert report.language_mix(by_region) == [
        ("de", [("de", 50), ("en", 30), ("fr", 0), ("tr", 5), ("pl", 4), ("br", 0)]),
        ("fr", [("de", 0), ("en", 10), ("fr", 40), ("tr", 0), ("pl", 0), ("br", 3), ("others", 3)]),
    ]


def test_media_engagement_is_charted_with_each_group_size():
    page = report.render(sample())
    assert "with media (1)" in page and "without media (3)" in page and "image (1)" in page
    assert "where servers are named, not where people are" in page
