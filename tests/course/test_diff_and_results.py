"""Diffs that name the first differing keys, and results.json in PrairieLearn's format."""

from __future__ import annotations

import json

from labctl.course.diff import compare
from labctl.course.results import Results, Test


def test_the_first_differences_follow_the_expected_order_and_name_their_keys():
    expected = {"mentions": {"a@x": 5, "b@x": 3, "c@x": 1}, "totals": {"statuses": 9}}
    got = {"mentions": {"a@x": 5, "b@x": 4, "d@x": 2}, "totals": {"statuses": 9}}
    comparison = compare(expected, got)
    assert [difference.path for difference in comparison.first] == ['mentions["b@x"]', 'mentions["c@x"]', 'mentions["d@x"]']
    text = comparison.describe()
    assert 'mentions["b@x"]: expected 3, got 4' in text
    assert 'mentions["c@x"]: missing (expected 1)' in text
    assert 'mentions["d@x"]: not expected (got 2)' in text
    assert text.startswith("3 of 5 values differ")


def test_only_the_first_few_are_listed_but_all_are_counted():
    expected = {str(n): n for n in range(50)}
    got = {str(n): n + 1 for n in range(50)}
    comparison = compare(expected, got, limit=5)
    assert comparison.count == 50 and len(comparison.first) == 5
    assert "the first 5" in comparison.describe()


def test_numbers_within_the_tolerance_are_equal_and_types_matter():
    assert compare({"share": 17.832}, {"share": 17.8321}, rel_tol=1e-3).equal
    assert not compare({"share": 17.8}, {"share": 18.0}, rel_tol=1e-3).equal
    assert not compare({"n": 1}, {"n": "1"}).equal
    assert not compare({"n": 1}, {"n": True}).equal
    assert compare({"n": 3}, {"n": 3}).equal


def test_nested_values_name_their_full_path():
    comparison = compare({"followers": {"a@x": {"followers": 3}}}, {"followers": {"a@x": {"followers": 4}}})
    assert comparison.first[0].path == 'followers["a@x"]["followers"]'


def test_the_score_is_points_over_max_points_and_complete_only_when_all_are_earned():
    results = Results("02-mentions", [Test.ok("a", "first", 2), Test("b", "second", 1.5, 4, "half")])
    assert results.score == round(3.5 / 6, 4) and not results.complete
    assert Results("x", [Test.ok("a", "first", 2), Test.ok("b", "zero points, read by a person", 0)]).complete
    assert not Results("x", []).complete


def test_results_json_has_prairielearns_fields():
    results = Results("02-mentions", [Test.fail("recording", "the job", 4, "2 of 9 values differ", "diff", hidden=True)])
    document = json.loads(results.to_json())
    assert set(document) == {"gradable", "score", "message", "output", "tests"}
    assert document["tests"] == [
        {"name": "recording", "description": "the job", "points": 0, "max_points": 4, "message": "2 of 9 values differ", "output": "diff"}
    ]
    assert document["score"] == 0 and document["gradable"] is True


def test_an_ungradable_result_scores_zero_whatever_its_tests():
    results = Results("04-hbase-design", [Test.ok("a", "first", 2)], gradable=False, message="the lab is down")
    assert results.score == 0 and not results.complete
    assert json.loads(results.to_json())["gradable"] is False
