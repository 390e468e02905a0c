"""Queries (labctl/hbase/queries.py) against the oracle's document, through the fake HBase."""

from __future__ import annotations

import pytest
from labctl.oracle.answers import expected_answer, pseudonymised

from labctl.hbase import forget, loader, queries, reidentify, runs
from labctl.hbase.schema import ACCOUNTS, RANK, REID

RUN = "2026-11-27T00:00:00+00:00"


@pytest.fixture
def loaded(connection, pseudonymiser, generated_document):
    loader.load_run(connection, RUN, generated_document, pseudonymiser)
    runs.publish_run(connection, RUN)
    return connection


@pytest.mark.parametrize("name", queries.QUERY_NAMES)
@pytest.mark.parametrize("limit", [None, 10, 1])
def test_every_query_equals_the_oracle_in_content_and_order(loaded, pseudonymiser, generated_document, name, limit):
    expected = expected_answer(pseudonymised(generated_document, pseudonymiser), name, limit)
    answer = queries.query(loaded, name, limit)
    assert answer == expected
    assert [list(part) if isinstance(part, dict) else part for part in answer.values()] == [
        list(part) if isinstance(part, dict) else part for part in expected.values()
    ]


def test_engagement_by_rate_is_ordered_by_rate_then_pseudonym(loaded, pseudonymiser, generated_document):
    expected = expected_answer(pseudonymised(generated_document, pseudonymiser), "engagement", 25, by="rate")
    answer = queries.query(loaded, "engagement", 25, by="rate")
    assert list(answer["engagement"].items()) == list(expected["engagement"].items())
    rates = [entry["engagement_rate"] for entry in answer["engagement"].values()]
    assert rates == sorted(rates, reverse=True)


def test_a_top_ten_reads_ten_rows_with_a_scanner_caching_of_ten(loaded):
    meter = queries.ScanMeter()
    answer = queries.query(loaded, "top-tags", 10, meter=meter)
    assert len(answer["tags"]) == 10
    (scan,) = meter.scans
    assert scan.rows == 10 and scan.limit == 10 and scan.caching == 10
    assert meter.gets == 0
    fake_scans = loaded.table(RANK.full_name()).scans
    assert fake_scans[-1]["limit"] == 10 and fake_scans[-1]["batch_size"] == 10


def test_one_account_is_one_get(loaded, pseudonymiser, generated_document):
    handle = next(iter(generated_document["mentions"]))
    meter = queries.ScanMeter()
    answer = queries.account(loaded, handle, pseudonymiser=pseudonymiser, meter=meter)
    expected = pseudonymised(generated_document, pseudonymiser)
    pseudonym = pseudonymiser.pseudonym(handle)
    for section in ("followers", "engagement", "mentions"):
        assert answer[section] == ({pseudonym: expected[section][pseudonym]} if pseudonym in expected[section] else {})
    assert meter.gets == 1 and meter.scans == []
    assert queries.account(loaded, pseudonym) == answer  # a pseudonym needs no key


def test_an_unknown_account_has_empty_sections(loaded, pseudonymiser):
    assert queries.account(loaded, "nobody@nowhere.example", pseudonymiser=pseudonymiser) == {"followers": {}, "engagement": {}, "mentions": {}}


def test_a_handle_without_the_key_is_a_clear_error(loaded):
    with pytest.raises(queries.QueryError, match="needs the lab's key"):
        queries.account(loaded, "alice@a.example")


def test_one_tag_is_one_get_and_case_folded(loaded, generated_document):
    tag, count = next(iter(generated_document["tags"].items()))
    meter = queries.ScanMeter()
    assert queries.lookup(loaded, "tag", tag.upper(), meter=meter) == {"tags": {tag: count}}
    assert meter.gets == 1 and meter.scans == []
    assert queries.lookup(loaded, "tag", "no-such-tag-anywhere") == {"tags": {}}


def test_queries_read_the_latest_published_run_only(loaded, pseudonymiser, generated_document):
    newer = {**generated_document, "totals": {**generated_document["totals"], "statuses": 1}}
    loader.load_run(loaded, "2026-11-28T00:00:00+00:00", newer, pseudonymiser)
    assert queries.query(loaded, "totals") == {"totals": generated_document["totals"]}
    runs.publish_run(loaded, "2026-11-28T00:00:00+00:00")
    assert queries.query(loaded, "totals")["totals"]["statuses"] == 1
    assert queries.query(loaded, "totals", run=RUN) == {"totals": generated_document["totals"]}


def test_nothing_published_is_a_clear_error(connection):
    with pytest.raises(queries.QueryError, match="no published run"):
        queries.query(connection, "totals")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "top-cats"}, "unknown query"),
        ({"name": "top-tags", "limit": 0}, "positive integer"),
        ({"name": "top-tags", "limit": True}, "positive integer"),
        ({"name": "engagement", "by": "followers"}, "interactions or rate"),
    ],
)
def test_bad_queries_are_refused_with_the_reason(loaded, kwargs, message):
    with pytest.raises(queries.QueryError, match=message):
        queries.query(loaded, **kwargs)


def test_forgetting_an_account_removes_it_from_every_table_and_run(loaded, pseudonymiser, generated_document):
    loader.load_run(loaded, "2026-11-28", generated_document, pseudonymiser)
    authors = set(generated_document["engagement"]) & set(generated_document["mentions"])
    handle = sorted(authors)[0]
    pseudonym = pseudonymiser.pseudonym(handle)
    before = loaded.snapshot()
    deleted = forget.forget_account(loaded, handle, pseudonymiser=pseudonymiser)
    after = loaded.snapshot()
    # Two runs, each with a followers, two engagement and a mentions row; one account row each.
    assert deleted == {"rank": 8, "accounts": 2, "reid": 1}
    gone = {(table, key) for table, rows in before.items() for key in rows} - {(table, key) for table, rows in after.items() for key in rows}
    assert len(gone) == 11
    assert all(key.endswith(pseudonym.encode()) for _, key in gone)
    assert not any(pseudonym.encode() in key for table in (RANK, ACCOUNTS, REID) for key in after[table.full_name()])
    assert forget.forget_account(loaded, pseudonym) == {"rank": 0, "accounts": 0, "reid": 0}


def test_reveal_maps_pseudonyms_back_in_order(loaded, pseudonymiser, generated_document):
    answer = queries.query(loaded, "top-mentions", 5)
    shown = reidentify.reveal(loaded, answer, allowed=lambda: True)
    by_pseudonym = {pseudonymiser.pseudonym(handle): handle for handle in generated_document["mentions"]}
    assert list(shown["mentions"]) == [by_pseudonym[p] for p in answer["mentions"]]
    assert list(shown["mentions"].values()) == list(answer["mentions"].values())
    assert reidentify.reveal(loaded, {"tags": {"u_x": 1}}, allowed=lambda: True) == {"tags": {"u_x": 1}}


def test_reveal_is_refused_to_whoever_the_hook_refuses(loaded):
    answer = queries.query(loaded, "top-users", 3)
    with pytest.raises(reidentify.RevealRefused):
        reidentify.reveal(loaded, answer, allowed=lambda: False)
