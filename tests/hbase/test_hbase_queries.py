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


@pytest.mark.parametrize("limit", [None, 3, 1])
def test_the_languages_of_each_region_equal_the_oracle(loaded, pseudonymiser, generated_document, limit):
    expected_document = pseudonymised(generated_document, pseudonymiser)
    assert len(generated_document["regions"]) > 3  # the document has regions worth the name
    for region in generated_document["regions"]:
        meter = queries.ScanMeter()
        answer = queries.query(loaded, "languages", limit, region=region.upper(), meter=meter)
        expected = expected_answer(expected_document, "languages", limit, region=region)
        assert answer == expected
        assert list(answer["language_by_region"][region]) == list(expected["language_by_region"][region])
        (scan,) = meter.scans  # its top-N: one scan of N rows, and one get for the region's statuses
        assert scan.rows == len(answer["language_by_region"][region]) and scan.limit == limit and meter.gets == 1


def test_a_region_without_statuses_has_empty_sections(loaded, pseudonymiser, generated_document):
    assert "zz" not in generated_document["regions"]
    expected = expected_answer(pseudonymised(generated_document, pseudonymiser), "languages", 10, region="zz")
    assert queries.query(loaded, "languages", 10, region="zz") == expected == {"regions": {}, "language_by_region": {}, "language_shares": {}}


@pytest.mark.parametrize("region", ["deu", "d", "1a", "gé", "de|x", "", "generics"])
def test_a_region_is_two_letters_or_generic(loaded, region):
    with pytest.raises(queries.QueryError, match="no such region"):
        queries.query(loaded, "languages", region=region)


def test_a_region_applies_to_languages_only(loaded):
    with pytest.raises(queries.QueryError, match="languages query only"):
        queries.query(loaded, "top-tags", region="de")


def test_media_engagement_is_one_get_and_a_scan_of_the_limit(loaded, generated_document):
    meter = queries.ScanMeter()
    answer = queries.query(loaded, "media-engagement", 2, meter=meter)
    media = generated_document["media_engagement"]
    assert answer == {"media_engagement": {**media, "by_type": dict(list(media["by_type"].items())[:2])}}
    (scan,) = meter.scans
    assert scan.rows == 2 and meter.gets == 1


def test_one_region_is_one_get_and_case_folded(loaded, generated_document):
    region, count = next(iter(generated_document["regions"].items()))
    meter = queries.ScanMeter()
    assert queries.lookup(loaded, "region", region.upper(), meter=meter) == {"regions": {region: count}}
    assert meter.gets == 1 and meter.scans == []


def test_instances_expire_with_the_per_person_data(loaded, generated_document):
    """An instance may be one person's server: its rank rows are in the family with the TTL."""
    instance = next(iter(generated_document["instances"]))
    rows = [data for key, data in loaded.table(RANK.full_name()).data.items() if key.startswith(b"instances|") and key.endswith(instance.encode())]
    assert rows and all(set(data) == {b"p:v"} for data in rows)
