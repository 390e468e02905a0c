"""Public checks: the answers on a small document and a few statuses written by hand.

Run them with `python test_analysis.py` in this folder; `labctl course check analysis`
runs them too, with more checks you do not see, then your answers on the recording.
"""

from __future__ import annotations

from datetime import datetime, timezone

from analysis import CALENDAR_QUESTIONS, QUESTIONS, answers, calendar

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
        "by_type": {
            "image": {"statuses": 40, "interactions": 200, "avg_interactions": 5.0},
            "video": {"statuses": 30, "interactions": 270, "avg_interactions": 9.0},
            "audio": {"statuses": 2, "interactions": 100, "avg_interactions": 50.0},  # too few to trust
        },
    },
}


def status(day: str, handle: str, *tags: str) -> dict:
    """A status as statuses.originals gives it."""
    return {"created_at": datetime.fromisoformat(day).replace(tzinfo=timezone.utc), "handle": handle, "tags": sorted(tags)}


# Twenty statuses a month on old.example from September, #books all along, #advent in December;
# new.example starts in December.
STATUSES = (
    [status(f"2025-{month:02d}-{day:02d}", "ann@old.example", "books") for month in (9, 10, 11, 12) for day in range(1, 21)]
    + [status(f"2025-12-{day:02d}", "bo@new.example", "advent") for day in range(1, 19)]
    + [status("2025-11-30", "bo@new.example", "advent"), status("2026-01-02", "bo@new.example", "advent")]
)


def test_every_question_is_answered():
    assert set(answers(SMALL)) == set(QUESTIONS)
    assert set(calendar(STATUSES)) == set(CALENDAR_QUESTIONS)


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
    assert got["top_media_type"] == "video"  # audio's mean is over 2 statuses only


def test_a_tag_of_one_month_and_an_instance_that_starts_late():
    got = calendar(STATUSES)
    assert got["seasonal_tag"] == "advent" and got["seasonal_tag_month"] == "2025-12"  # 18 of 20, against 20 of 80
    assert got["late_instance"] == "new.example" and got["late_instance_month"] == "2025-11"


### BEGIN HIDDEN TESTS
def test_engagement_answers():
    result = answers(SMALL)
    assert abs(result["interactions_per_status"] - 3.2) < 1e-9
    assert result["median_engagement_rate"] == 0.1  # only ada has 5 statuses or more


def test_an_empty_document_gives_no_answer_rather_than_a_crash():
    empty = {key: {} for key in SMALL} | {"totals": {k: 0 for k in SMALL["totals"]}}
    nothing = answers(empty)
    assert nothing["media_pct"] is None and nothing["top_tag"] is None and nothing["median_engagement_rate"] is None


def test_small_tags_and_instances_and_unknown_times_are_left_out():
    few = [status("2025-10-01", "cy@tiny.example", "once")] * 5  # 100 % in one month, but 5 statuses
    unknown = [{"created_at": None, "handle": "dee@later.example", "tags": ["advent"]}] * 30
    got = calendar(STATUSES + few + unknown)
    assert got["seasonal_tag"] == "advent" and got["late_instance"] == "new.example"


def test_no_status_gives_no_answer():
    assert calendar([]) == {key: None for key in CALENDAR_QUESTIONS}


def test_calendar_ties_go_to_the_first_name_and_the_earliest_month():
    twins = [status(f"2025-10-{day:02d}", "x@b.example", "beta") for day in range(1, 21)]
    twins += [status(f"2025-10-{day:02d}", "y@a.example", "alpha") for day in range(1, 21)]
    halves = [status(f"2025-{month:02d}-01", "z@c.example", "gamma") for month in (11, 12) for _ in range(10)]
    got = calendar(twins + halves)
    assert got["seasonal_tag"] == "alpha" and got["seasonal_tag_month"] == "2025-10"  # alpha and beta: 100 %
    assert got["late_instance"] == "c.example" and got["late_instance_month"] == "2025-11"
    both = calendar(twins)
    assert both["late_instance"] == "a.example"  # a.example and b.example start the same day


def test_a_type_mean_over_too_few_statuses_is_not_trusted():
    few = dict(SMALL, media_engagement=dict(SMALL["media_engagement"], by_type={
        "audio": {"statuses": 29, "interactions": 2900, "avg_interactions": 100.0}}))
    assert answers(few)["top_media_type"] is None


def test_ties_in_growth_go_to_the_earliest_month():
    tied = dict(SMALL, user_growth={"2023-01": {"new": 2, "cumulative": 2}, "2022-12": {"new": 2, "cumulative": 4}})
    assert answers(tied)["peak_growth_month"] == "2022-12"
### END HIDDEN TESTS


if __name__ == "__main__":
    from labctl.course.unit import main

    main(globals())
