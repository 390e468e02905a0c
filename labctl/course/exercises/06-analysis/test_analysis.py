"""Public checks: the answers on a small document written by hand.

Run them with `python test_analysis.py` in this folder; `labctl course check analysis`
runs them too, with more checks you do not see, then your answers on the recording.
"""

from __future__ import annotations

from analysis import QUESTIONS, answers

SMALL = {
    "totals": {"statuses": 10, "boosts": 2, "accounts": 3, "statuses_with_media": 4, "malformed": 0},
    "followers": {
        "ada@a.example": {"followers": 50, "following": 1, "statuses_count": 9},
        "bob@b.example": {"followers": 7, "following": 2, "statuses_count": 3},
        "cy@c.example": {"followers": 0, "following": 0, "statuses_count": 1},
    },
    "engagement": {
        "ada@a.example": {"statuses": 6, "interactions": 30, "followers": 50, "avg_interactions": 5.0, "engagement_rate": 0.1},
        "bob@b.example": {"statuses": 4, "interactions": 2, "followers": 7, "avg_interactions": 0.5, "engagement_rate": 2 / 28},
    },
    "user_growth": {"2021-05": {"new": 1, "cumulative": 1}, "2022-11": {"new": 2, "cumulative": 3}},
    "urls": {"https://x.example/a": 3},
    "domains": {"x.example": 3, "y.example": 1},
    "languages": {"en": 6, "de": 3, "und": 1},
    "media_types": {"image": 5, "video": 1},
    "tags": {"python": 3, "rust": 1, "go": 1},
    "mentions": {"bob@b.example": 2},
    "emojis": {},
    "regions": {"generic": 6, "de": 3, "fr": 1},
    "media_engagement": {
        "with_media": {"statuses": 4, "interactions": 24, "avg_interactions": 6.0},
        "without_media": {"statuses": 6, "interactions": 8, "avg_interactions": 4 / 3},
        "by_type": {},
    },
}


def test_every_question_is_answered():
    assert set(answers(SMALL)) == set(QUESTIONS)


def test_the_user_questions():
    got = answers(SMALL)
    assert got["top_follower_account"] == "ada@a.example" and got["top_follower_count"] == 50
    assert got["peak_growth_month"] == "2022-11"
    assert abs(got["created_2022_pct"] - 200 / 3) < 0.01


def test_the_content_questions():
    got = answers(SMALL)
    assert got["top_domain"] == "x.example" and abs(got["top_domain_pct"] - 30) < 0.01
    assert got["languages_for_90_pct"] == 2
    assert abs(got["media_pct"] - 40) < 0.01 and abs(got["attachments_per_media_status"] - 1.5) < 1e-9


def test_media_engagement_and_regions():
    got = answers(SMALL)
    assert abs(got["media_engagement_ratio"] - 4.5) < 1e-9
    assert got["top_country_region"] == "de"


### BEGIN HIDDEN TESTS
def test_engagement_answers():
    result = answers(SMALL)
    assert abs(result["interactions_per_status"] - 3.2) < 1e-9
    assert result["median_engagement_rate"] == 0.1  # only ada has 5 statuses or more


def test_an_empty_document_gives_no_answer_rather_than_a_crash():
    empty = {key: {} for key in SMALL} | {"totals": {k: 0 for k in SMALL["totals"]}}
    nothing = answers(empty)
    assert nothing["media_pct"] is None and nothing["top_tag"] is None and nothing["median_engagement_rate"] is None


def test_ties_in_growth_go_to_the_earliest_month():
    tied = dict(SMALL, user_growth={"2023-01": {"new": 2, "cumulative": 2}, "2022-12": {"new": 2, "cumulative": 4}})
    assert answers(tied)["peak_growth_month"] == "2022-12"
### END HIDDEN TESTS


if __name__ == "__main__":
    from labctl.course.unit import main

    main(globals())
