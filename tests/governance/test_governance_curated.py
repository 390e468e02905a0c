"""The curated zone's metric document: every account handle replaced by its keyed-HMAC
pseudonym, figures unchanged, top-N lists ordered by count then pseudonym; and the quality
check that catches a handle in clear or a figure that drifted."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from labctl.governance.pseudonym import PseudonymCollision, Pseudonymiser, pseudonymise_metrics
from labctl.pipeline.steps import curated_problems, pseudonymised

KEY = b"k" * 32


def hmac_pseudonym(handle: str) -> str:
    """Written from the documented rule (docs/gdpr/README.md), not from the code."""
    return "u_" + hmac.new(KEY, handle.lower().encode(), hashlib.sha256).hexdigest()[:20]


METRICS = {
    "totals": {"statuses": 3, "boosts": 1, "accounts": 3, "statuses_with_media": 0, "malformed": 0},
    "followers": {
        "zed@b.example": {"followers": 10, "following": 1, "statuses_count": 5},
        "amy@a.example": {"followers": 10, "following": 2, "statuses_count": 6},
        "bob@a.example": {"followers": 3, "following": 0, "statuses_count": 1},
    },
    "engagement": {
        "amy@a.example": {"statuses": 2, "interactions": 7, "followers": 10, "avg_interactions": 3.5,
                          "engagement_rate": 0.35},
        "zed@b.example": {"statuses": 1, "interactions": 7, "followers": 10, "avg_interactions": 7.0,
                          "engagement_rate": 0.7},
    },
    "user_growth": {"2024-01": {"new": 3, "cumulative": 3}},
    "urls": {"https://x.example/a": 2},
    "domains": {"x.example": 2},
    "languages": {"en": 3},
    "media_types": {},
    "tags": {"amy": 1},
    "mentions": {"bob@a.example": 2, "amy@a.example": 2, "carl@c.example": 1},
    "emojis": {},
}


def test_every_handle_becomes_its_pseudonym_and_every_figure_stays():
    curated = pseudonymised(METRICS, Pseudonymiser(KEY))
    for section in ("followers", "engagement", "mentions"):
        assert curated[section] == {hmac_pseudonym(h): v for h, v in METRICS[section].items()}
    for section in set(METRICS) - {"followers", "engagement", "mentions"}:
        assert curated[section] == METRICS[section]  # a tag named like a user is not a handle
    text = repr(curated)
    assert "@" not in text.replace("https://x.example/a", "")


def test_ties_are_ordered_by_pseudonym_not_by_the_handle():
    curated = pseudonymised(METRICS, Pseudonymiser(KEY))
    tied = sorted([hmac_pseudonym("zed@b.example"), hmac_pseudonym("amy@a.example")])
    assert list(curated["followers"])[:2] == tied
    assert list(curated["followers"])[2] == hmac_pseudonym("bob@a.example")
    assert list(curated["mentions"]) == sorted([hmac_pseudonym("bob@a.example"), hmac_pseudonym("amy@a.example")]) \
        + [hmac_pseudonym("carl@c.example")]


def test_the_quality_check_accepts_the_published_document():
    pseudonymiser = Pseudonymiser(KEY)
    assert curated_problems(METRICS, pseudonymised(METRICS, pseudonymiser), pseudonymiser) == []


def test_the_quality_check_catches_a_handle_in_clear():
    pseudonymiser = Pseudonymiser(KEY)
    leaked = pseudonymised(METRICS, pseudonymiser)
    leaked["mentions"] = dict(METRICS["mentions"])
    problems = curated_problems(METRICS, leaked, pseudonymiser)
    assert any("curated mentions has 3 keys that are not pseudonyms" in p for p in problems)


def test_the_quality_check_catches_a_figure_that_differs():
    pseudonymiser = Pseudonymiser(KEY)
    drifted = pseudonymised(METRICS, pseudonymiser)
    drifted["followers"][hmac_pseudonym("bob@a.example")]["followers"] = 4
    drifted["totals"] = {**drifted["totals"], "statuses": 4}
    problems = curated_problems(METRICS, drifted, pseudonymiser)
    assert problems == ["curated sections followers, totals differ from the jobs' output"]


def test_a_pseudonym_collision_stops_publication():
    class Constant(Pseudonymiser):
        def pseudonym(self, handle: str) -> str:
            return "u_" + "0" * 20

    with pytest.raises(PseudonymCollision):
        pseudonymise_metrics(METRICS, Constant(KEY))
