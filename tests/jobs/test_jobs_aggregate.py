"""Step 2 (jobs/aggregate.py): merges, the final rows, and in-task combining."""

from __future__ import annotations

from collections import Counter

import pytest

import aggregate

OBS_OLD = ["2024-01-01T00:00:00.000000", 1, 50, 3, 9, "2020-01"]
OBS_NEW = ["2024-02-01T00:00:00.000000", 2, 40, 4, 10, "2020-01"]


def test_counts_are_summed():
    assert list(aggregate.reducer(("tag", "python"), iter([1, 2, 3]), Counter())) == [(("tag", "python"), 6)]


def test_account_rows_join_the_latest_observation_with_the_statuses():
    values = iter([[OBS_OLD, 0, 0], [None, 2, 10], [OBS_NEW, 0, 0], [None, 1, 5]])
    rows = dict(aggregate.reducer(("account", "a@x"), values, Counter()))
    assert rows[("followers", "a@x")] == {"followers": 40, "following": 4, "statuses_count": 10}
    assert rows[("engagement", "a@x")] == {
        "statuses": 3,
        "interactions": 15,
        "followers": 40,
        "avg_interactions": 15 / 3,
        "engagement_rate": 15 / (3 * 40),
    }


def test_engagement_rate_divides_by_at_least_one_follower():
    observation = ["2024-01-01T00:00:00.000000", 1, 0, 0, 0, "2020-01"]
    rows = dict(aggregate.reducer(("account", "a@x"), iter([[observation, 1, 4]]), Counter()))
    assert rows[("engagement", "a@x")]["engagement_rate"] == 4.0


def test_an_account_with_only_boosts_has_followers_but_no_engagement():
    rows = dict(aggregate.reducer(("account", "b@x"), iter([[OBS_OLD, 0, 0]]), Counter()))
    assert list(rows) == [("followers", "b@x")]


def test_combiner_is_a_partial_merge():
    combined = list(aggregate.combiner(("account", "a@x"), iter([[OBS_OLD, 1, 2], [OBS_NEW, 3, 4]]), Counter()))
    assert combined == [(("account", "a@x"), [OBS_NEW, 4, 6])]
    assert list(aggregate.combiner(("url", "u"), iter([1, 1]), Counter())) == [(("url", "u"), 2)]
    malformed = list(aggregate.combiner(("malformed", "r"), iter(["YQ==", "Yg=="]), Counter()))
    assert malformed == [(("malformed", "r"), "YQ=="), (("malformed", "r"), "Yg==")]


def test_combine_within_task_sums_counts_merges_accounts_and_passes_malformed_through():
    rows = [
        (("tag", "a"), 1),
        (("account", "a@x"), [OBS_OLD, 0, 0]),
        (("malformed", "r"), "YQ=="),
        (("tag", "a"), 2),
        (("account", "a@x"), [None, 2, 5]),
        (("malformed", "r"), "YQ=="),
    ]
    assert sorted(aggregate.combine_within_task(rows), key=str) == sorted(
        [(("tag", "a"), 3), (("account", "a@x"), [OBS_OLD, 2, 5]), (("malformed", "r"), "YQ=="), (("malformed", "r"), "YQ==")],
        key=str,
    )


def test_unknown_kinds_are_an_error():
    with pytest.raises(ValueError, match="unexpected row kind"):
        list(aggregate.reducer(("mystery", "x"), iter([1]), Counter()))
