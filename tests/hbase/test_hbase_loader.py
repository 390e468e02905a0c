"""The loader (labctl/hbase/loader.py): rows, pseudonyms, batching, idempotence, runs."""

from __future__ import annotations

import copy
import json

import pytest
from fakehbase import FakeConnection, FakeTable

from labctl.hbase import keys, loader, runs
from labctl.hbase.schema import ACCOUNTS, RANK, REID, RUNS, TERMS


def tiny_document() -> dict:
    return {
        "totals": {"statuses": 3, "boosts": 1, "accounts": 2, "statuses_with_media": 1, "malformed": 0},
        "followers": {
            "alice@a.example": {"followers": 10, "following": 2, "statuses_count": 5},
            "bob@b.example": {"followers": 3, "following": 1, "statuses_count": 1},
        },
        "engagement": {
            "alice@a.example": {"statuses": 2, "interactions": 7, "followers": 10, "avg_interactions": 3.5, "engagement_rate": 0.35},
        },
        "user_growth": {"2023-01": {"new": 1, "cumulative": 1}, "2024-02": {"new": 1, "cumulative": 2}},
        "urls": {"https://x.example/a": 2},
        "domains": {"x.example": 2},
        "languages": {"en": 2, "und": 1},
        "media_types": {"image": 1},
        "tags": {"rust": 2, "python": 1},
        "mentions": {"carol@c.example": 1, "alice@a.example": 1},
        "emojis": {"blobcat": 1},
        "instances": {"a.example": 2, "b.example.de": 1},
        "regions": {"generic": 2, "de": 1},
        "language_by_region": {"generic": {"en": 1, "und": 1}, "de": {"en": 1}},
        "media_engagement": {
            "with_media": {"statuses": 1, "interactions": 4, "avg_interactions": 4.0},
            "without_media": {"statuses": 2, "interactions": 3, "avg_interactions": 1.5},
            "by_type": {"image": {"statuses": 1, "interactions": 4, "avg_interactions": 4.0}},
        },
    }


def all_bytes(rows: loader.RunRows, *, include_reid: bool) -> bytes:
    tables = [rows.rank, rows.accounts, rows.terms] + ([rows.reid] if include_reid else [])
    return b"".join(key + b"".join(k + v for k, v in data.items()) for table in tables for key, data in table)


def test_handles_appear_only_in_the_reid_table(pseudonymiser):
    rows = loader.run_rows("r1", tiny_document(), pseudonymiser)
    handles = ["alice@a.example", "bob@b.example", "carol@c.example"]
    assert not any(handle.encode() in all_bytes(rows, include_reid=False) for handle in handles)
    reid = {keys.decode(key): data[b"h:handle"].decode() for key, data in rows.reid}
    assert reid == {pseudonymiser.pseudonym(handle): handle for handle in handles}


def test_rows_per_table(pseudonymiser):
    rows = loader.run_rows("r1", tiny_document(), pseudonymiser)
    # followers 2 + engagement 2 orders x 1 + growth 2 + 7 term sections (1+1+2+1+2+1+2) + mentions 2 + totals 1
    # + instances 2 + languages by region 3 + media engagement (the groups 1, by type 1)
    assert len(rows.rank) == 2 + 2 + 2 + 10 + 2 + 1 + 2 + 3 + 2
    assert len(rows.terms) == 10
    accounts = {keys.decode(key).rsplit("|", 1)[1]: data for key, data in rows.accounts}
    alice = accounts[pseudonymiser.pseudonym("alice@a.example")]
    assert set(alice) == {b"p:followers", b"p:engagement", b"p:mentions"}
    assert json.loads(alice[b"p:engagement"])["engagement_rate"] == 0.35
    assert set(accounts[pseudonymiser.pseudonym("carol@c.example")]) == {b"p:mentions"}
    assert rows.skipped == []


def test_rows_of_instances_regions_and_media_engagement(pseudonymiser):
    ranked = {keys.decode(key): data for key, data in loader.run_rows("r1", tiny_document(), pseudonymiser).rank}
    # An instance can be one person's server: its rows expire with the per-person data.
    assert ranked[f"instances|r1|{keys.desc_int(2)}a.example"] == {b"p:v": b"2"}
    assert ranked[f"regions|r1|{keys.desc_int(1)}de"] == {b"c:v": b"1"}
    assert ranked[f"language_by_region|r1|generic|{keys.desc_int(1)}und"] == {b"c:v": b"1"}
    groups = json.loads(ranked["media_engagement|r1|"][b"c:v"])
    assert groups == {key: tiny_document()["media_engagement"][key] for key in ("with_media", "without_media")}
    image = json.loads(ranked[f"media_engagement_by_type|r1|{keys.desc_int(1)}image"][b"c:v"])
    assert image == {"statuses": 1, "interactions": 4, "avg_interactions": 4.0}


def test_entries_that_cannot_be_keyed_are_skipped_and_listed(pseudonymiser):
    document = tiny_document()
    document["urls"]["https://long.example/" + "a" * keys.MAX_KEY_BYTES] = 1
    document["tags"]["broken"] = "three"
    document["followers"]["dave@d.example"] = {"following": 1}
    document["language_by_region"]["x|y"] = {"en": 1}  # a region is a key field: no separator in it
    document["media_engagement"]["by_type"]["video"] = {"interactions": 1}
    rows = loader.run_rows("r1", document, pseudonymiser)
    skipped = {(section, entity[:25]): reason for section, entity, reason in rows.skipped}
    dave = pseudonymiser.pseudonym("dave@d.example")  # an account is listed by pseudonym, never by handle
    assert set(skipped) == {
        ("urls", "https://long.example/aaaa"), ("tags", "broken"), ("followers", dave[:25]),
        ("language_by_region", "x|y|en"), ("media_engagement_by_type", "video"),
    }  # fmt: skip
    assert "longer than" in skipped[("urls", "https://long.example/aaaa")]
    # Nothing half-written: the skipped tag has neither its rank row nor its lookup row.
    assert not any(b"broken" in key for key, _ in rows.rank + rows.terms)
    assert len(rows.rank) == len(loader.run_rows("r1", tiny_document(), pseudonymiser).rank)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object"),
        ({"totals": {}}, "has no followers"),
        ({**tiny_document(), "tags": []}, "tags"),
        ({**tiny_document(), "media_engagement": {"with_media": {}, "by_type": {}}}, "media_engagement.without_media"),
        ({**tiny_document(), "language_by_region": {"de": 3}}, "language_by_region.de"),
    ],
)
def test_a_document_that_is_not_the_contract_is_refused_before_any_write(document, message, pseudonymiser):
    connection = FakeConnection()
    with pytest.raises(loader.MetricsDocumentError, match=message):
        loader.load_run(connection, "r1", document, pseudonymiser)
    assert connection.tables_ == {}


def test_write_sends_one_batch_per_batch_size_rows_and_no_single_put():
    table = FakeTable("t", {"c": {}})
    rows = [(f"k{n:05d}".encode(), {b"c:v": b"1"}) for n in range(4500)]
    assert loader.write(table, rows, 2000) == 4500
    assert [len(batch) for batch in table.batches] == [2000, 2000, 500]
    assert table.puts == 0 and len(table.data) == 4500


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        list(loader.chunks([1, 2], 0))


def test_loading_a_run_twice_gives_the_same_contents(connection, pseudonymiser, generated_document):
    loader.load_run(connection, "r1", generated_document, pseudonymiser, batch_size=97)
    first = connection.snapshot()
    stats = loader.load_run(connection, "r1", generated_document, pseudonymiser, batch_size=500)
    second = connection.snapshot()
    run_table = RUNS.full_name()
    assert {t: rows for t, rows in first.items() if t != run_table} == {t: rows for t, rows in second.items() if t != run_table}
    assert stats.deleted == stats.rows["rank"] + stats.rows["accounts"] + stats.rows["terms"]
    assert runs.run_info(connection, "r1")["status"] == runs.LOADED


def test_loading_a_run_again_with_other_data_leaves_nothing_of_the_first_load(connection, pseudonymiser):
    loader.load_run(connection, "r1", tiny_document(), pseudonymiser)
    changed = copy.deepcopy(tiny_document())
    del changed["tags"]["rust"]
    changed["followers"]["alice@a.example"]["followers"] = 11
    loader.load_run(connection, "r1", changed, pseudonymiser)
    fresh = FakeConnection()
    fresh.tables_ = {name: FakeTable(name, table.families_) for name, table in connection.tables_.items()}
    loader.load_run(fresh, "r1", changed, pseudonymiser)
    for spec in (RANK, ACCOUNTS, TERMS):
        assert connection.snapshot()[spec.full_name()] == fresh.snapshot()[spec.full_name()]


def test_runs_keep_their_own_rows(connection, pseudonymiser):
    loader.load_run(connection, "r1", tiny_document(), pseudonymiser)
    before = connection.snapshot()
    loader.load_run(connection, "r2", tiny_document(), pseudonymiser)
    after = connection.snapshot()
    for spec in (RANK, ACCOUNTS, TERMS):
        old = before[spec.full_name()]
        assert {key: row for key, row in after[spec.full_name()].items() if key in old} == old
        assert len(after[spec.full_name()]) == 2 * len(old)
    assert after[REID.full_name()] == before[REID.full_name()]


def test_load_stats_are_json_serialisable(connection, pseudonymiser):
    stats = loader.load_run(connection, "r1", tiny_document(), pseudonymiser)
    encoded = json.loads(json.dumps(stats.as_dict()))
    assert encoded["rows"] == {"rank": 26, "accounts": 3, "terms": 10, "reid": 3}
    assert encoded["batch_size"] == loader.DEFAULT_BATCH_SIZE and encoded["rows_per_second"] > 0


def test_publication_needs_a_loaded_run(connection, pseudonymiser):
    with pytest.raises(runs.RunError, match="never loaded"):
        runs.publish_run(connection, "r1")
    loader.load_run(connection, "r1", tiny_document(), pseudonymiser)
    runs.publish_run(connection, "r1")
    assert runs.run_info(connection, "r1")["status"] == runs.PUBLISHED


def test_latest_run_is_the_greatest_published_one_and_a_reload_hides_it(connection, pseudonymiser):
    assert runs.latest_run(connection) is None
    for run_id in ("2026-01-01", "2026-01-03", "2026-01-02"):
        loader.load_run(connection, run_id, tiny_document(), pseudonymiser)
    runs.publish_run(connection, "2026-01-01")
    runs.publish_run(connection, "2026-01-02")
    assert runs.latest_run(connection) == "2026-01-02"  # 01-03 is loaded, not published
    loader.load_run(connection, "2026-01-02", tiny_document(), pseudonymiser)
    assert runs.latest_run(connection) == "2026-01-01"  # while 01-02 is reloaded
    runs.publish_run(connection, "2026-01-02")
    assert runs.latest_run(connection) == "2026-01-02"
    assert [run["run_id"] for run in runs.list_runs(connection)] == ["2026-01-01", "2026-01-02", "2026-01-03"]
