"""The noindex / indexable / discoverable ingestion policy, and minimisation of malformed records."""

from __future__ import annotations

import copy

import pytest
from statusfactory import make_account, make_status, make_timeline

from labctl.governance.minimise import minimise
from labctl.governance.policy import NOINDEX, NOT_DISCOVERABLE, NOT_INDEXABLE, IngestionPolicy

MS = 1_735_689_700_000


def status_by(*, noindex=False, indexable=True, discoverable=True, boosting=None):
    account = make_account(5, noindex=noindex)
    account.update(indexable=indexable, discoverable=discoverable)
    return make_status(MS, 1, account, reblog=boosting)


def test_default_policy_skips_authors_who_set_noindex():
    policy = IngestionPolicy.default()
    assert policy.skip_reason(status_by(noindex=True)) == NOINDEX
    assert policy.skip_reason(status_by(noindex=False)) is None


def test_a_boost_of_a_noindex_original_is_skipped_too():
    original = status_by(noindex=True)
    boost = status_by(noindex=False, boosting=original)
    assert IngestionPolicy.default().skip_reason(boost) == NOINDEX
    assert IngestionPolicy.default().skip_reason(status_by(noindex=True, boosting=status_by())) == NOINDEX


def test_include_noindex_turns_the_rule_off():
    policy = IngestionPolicy.default(include_noindex=True)
    assert policy.skip_reason(status_by(noindex=True)) is None
    assert policy.skip_reason(status_by(boosting=status_by(noindex=True))) is None


@pytest.mark.parametrize("flags", [{}, {"noindex": None}, {"noindex": "true"}, {"noindex": False}])
def test_absent_or_non_boolean_flags_are_no_opt_out(flags):
    status = status_by()
    del status["account"]["noindex"]
    status["account"].update(flags)
    assert IngestionPolicy.default().skip_reason(status) is None


def test_indexable_and_discoverable_rules_are_off_by_default_and_can_be_enabled():
    unindexable, undiscoverable = status_by(indexable=False), status_by(discoverable=False)
    assert IngestionPolicy.default().skip_reason(unindexable) is None
    assert IngestionPolicy.default().skip_reason(undiscoverable) is None
    strict = IngestionPolicy(skip_not_indexable=True, skip_not_discoverable=True)
    assert strict.skip_reason(unindexable) == NOT_INDEXABLE
    assert strict.skip_reason(undiscoverable) == NOT_DISCOVERABLE
    assert strict.skip_reason(status_by(indexable=None, discoverable=None)) is None


@pytest.mark.parametrize("record", [{}, {"account": "x"}, {"account": [1]}, {"reblog": 5, "account": {}},
                                    {"account": {"noindex": True}, "reblog": {"account": None}}])
def test_malformed_records_never_break_the_policy(record):
    reason = IngestionPolicy.default().skip_reason(record)
    assert reason in (None, NOINDEX)


def test_policy_count_on_a_timeline_matches_an_independent_count():
    statuses = make_timeline(200, noindex_every=4, boost_every=3)
    expected = sum(
        1 for s in statuses
        if s["account"]["noindex"] or (s["reblog"] is not None and s["reblog"]["account"]["noindex"])
    )
    assert expected > 0
    policy = IngestionPolicy.default()
    assert sum(policy.skip_reason(s) is not None for s in statuses) == expected


def test_minimise_does_not_change_its_input():
    status = make_status(MS, 2, make_account(1), tags=["a"], media=1)
    before = copy.deepcopy(status)
    minimise(status)
    assert status == before


@pytest.mark.parametrize(
    "record, expected",
    [
        ({"id": "1", "account": ["leak", {"display_name": "x"}]}, {"id": "1", "account": []}),
        ({"id": "1", "account": "just a string"}, {"id": "1", "account": "just a string"}),
        ({"id": "1", "account": None}, {"id": "1", "account": None}),
        ({"id": "1", "media_attachments": {"description": "x"}}, {"id": "1", "media_attachments": {}}),
        ({"id": "1", "tags": ["not-an-object", {"name": "ok", "url": "u"}]}, {"id": "1", "tags": ["not-an-object", {"name": "ok"}]}),
        ({"id": "1", "reblog": [{"account": {"note": "bio"}}]}, {"id": "1", "reblog": []}),
        ({"display_name": "x"}, {}),
    ],
)
def test_wrong_shapes_stay_wrong_without_carrying_unlisted_data(record, expected):
    assert minimise(record) == expected


def test_minimisation_keeps_the_metric_contract_outcome_of_every_record():
    contract = pytest.importorskip("contract", reason="jobs/contract.py (the metric contract) is not present")
    account = make_account(2)
    good = make_status(MS, 3, account, tags=["t"], media=1)
    variants = [
        good,
        {**good, "id": ""},
        {**good, "id": True},
        {k: v for k, v in good.items() if k != "id"},
        {**good, "account": None},
        {**good, "account": ["x"]},
        {**good, "account": "alice"},
        {**good, "reblog": 3},
        {**good, "reblog": {"id": "9"}},
        {**good, "reblog": {"id": "9", "account": []}},
        {**good, "reblog": {"account": account}},
        {**good, "reblog": copy.deepcopy(good)},
    ]
    for record in variants:
        assert contract.record_problem(minimise(record)) == contract.record_problem(record), record
