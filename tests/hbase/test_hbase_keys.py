"""Row keys (labctl/hbase/keys.py): byte order is the contract's order, widths are fixed, salts spread."""

from __future__ import annotations

import bisect
import random
from collections import Counter

import pytest

from labctl.governance.pseudonym import Pseudonymiser
from labctl.hbase import keys
from labctl.hbase.schema import ACCOUNTS, RANK, REID, TERMS


def contract_order(entries: dict[str, int | float]) -> list[str]:
    return [name for name, _ in sorted(entries.items(), key=lambda item: (-item[1], item[0]))]


def key_order(entries: dict[str, int | float], encode) -> list[str]:
    by_key = {keys.rank_key("tags", "run-1", encode(count), name): name for name, count in entries.items()}
    return [by_key[key] for key in sorted(by_key)]


def test_inverted_integer_keys_sort_by_count_descending_then_name():
    rng = random.Random(5)
    names = ["a", "ab", "b", "Zed", "zürich", "日本", "emoji😀", "a b", "\ud800lone"]
    entries = {f"{rng.choice(names)}{n}": rng.choice([0, 1, 2, 9, 10, 255, 256, 10**6, 2**40, -1, -(2**62)]) for n in range(300)}
    assert key_order(entries, keys.desc_int) == contract_order(entries)


def test_inverted_float_keys_sort_by_rate_descending():
    rng = random.Random(6)
    values = [0.0, -0.0, 5e-324, 1e-9, 0.1, 0.5, 1.0, 1.5, 3.0, 1e300, float("inf"), -1.0, -1e-9]
    entries = {f"u{n:03d}": rng.choice(values) * rng.choice([1, 1, 0.999999]) for n in range(300)}
    assert key_order(entries, keys.desc_float) == contract_order(entries)


@pytest.mark.parametrize("n", [-(2**63), -1, 0, 1, 2**31, 2**63 - 1])
def test_inverted_counts_have_a_fixed_width(n):
    assert len(keys.desc_int(n)) == 16 and int(keys.desc_int(n), 16) == 2**63 - 1 - n
    assert len(keys.desc_float(float(n))) == 16


def test_minus_zero_and_zero_are_one_key():
    assert keys.desc_float(-0.0) == keys.desc_float(0.0) == keys.desc_float(0)


@pytest.mark.parametrize("bad", [2**63, -(2**63) - 1, True, 1.5, "3", None])
def test_counts_that_cannot_be_encoded_are_refused(bad):
    with pytest.raises(keys.KeyEncodingError):
        keys.desc_int(bad)


@pytest.mark.parametrize("bad", [float("nan"), "0.5", None, False])
def test_rates_that_cannot_be_encoded_are_refused(bad):
    with pytest.raises(keys.KeyEncodingError):
        keys.desc_float(bad)


@pytest.mark.parametrize("run_id", ["", "a|b", "with space", "tab\t", "é", "x" * 101, None, 7])
def test_run_ids_that_would_break_a_key_are_refused(run_id):
    with pytest.raises(keys.KeyEncodingError, match="invalid run id"):
        keys.check_run_id(run_id)


@pytest.mark.parametrize("run_id", ["2026-11-27T00:00:00+00:00", "scheduled__2026-11-27", "smoke-1a2b"])
def test_data_interval_run_ids_are_accepted(run_id):
    assert keys.check_run_id(run_id) == run_id


def test_rank_entity_inverts_rank_key():
    for entity in ["rust", "a|b|c", "https://x.example/a?b=c|d", "\ud800", ""]:
        key = keys.rank_key("urls", "r1", keys.desc_int(3), entity)
        assert key.startswith(keys.rank_prefix("urls", "r1"))
        assert keys.rank_entity(key, "urls", "r1") == entity
    month = keys.rank_key("user_growth", "r1", "", "2024-05")
    assert keys.rank_entity(month, "user_growth", "r1", ordered=False) == "2024-05"


def test_one_run_prefix_never_covers_another_run_or_section():
    assert not keys.rank_prefix("tags", "r1").startswith(keys.rank_prefix("tags", "r"))
    assert not keys.rank_key("engagement_rate", "r", "0" * 16, "x").startswith(keys.rank_prefix("engagement", "r"))


def test_keys_longer_than_hbase_allows_are_refused():
    with pytest.raises(keys.KeyEncodingError, match="longer than"):
        keys.rank_key("urls", "r", keys.desc_int(1), "https://x/" + "a" * keys.MAX_KEY_BYTES)


def _regions(row_keys: list[bytes], splits: tuple[bytes, ...]) -> Counter:
    return Counter(bisect.bisect_right(list(splits), key) for key in row_keys)


def _assert_even(counts: Counter, buckets: int, total: int) -> None:
    expected = total / buckets
    assert len(counts) == buckets
    # A uniform hash puts each bucket within a few standard deviations (about 4.5 % here).
    assert all(abs(count - expected) < 0.2 * expected for count in counts.values()), counts


def test_account_keys_spread_evenly_over_the_pre_split_regions():
    pseudonymiser = Pseudonymiser(b"spread-test-key-0123456789")
    pseudonyms = [pseudonymiser.pseudonym(f"user{n}@host{n % 7}.example") for n in range(8000)]
    row_keys = [keys.account_key("2026-11-27", p) for p in pseudonyms]
    _assert_even(_regions(row_keys, ACCOUNTS.splits), keys.SALT_BUCKETS, len(row_keys))
    # The re-identification table is split on the pseudonym's own first hex digit.
    _assert_even(_regions([keys.encode(p) for p in pseudonyms], REID.splits), 16, len(pseudonyms))


def test_term_keys_spread_evenly_even_when_names_share_prefixes():
    # Tags and URLs cluster (same letters, same hosts): without the salt they would share regions.
    names = [f"https://mastodon.social/@a/{n}" for n in range(4000)] + [f"tag{n}" for n in range(4000)]
    row_keys = [keys.term_key("r", "urls", name) for name in names]
    _assert_even(_regions(row_keys, TERMS.splits), keys.SALT_BUCKETS, len(row_keys))


def test_salt_is_stable_and_two_hex_characters():
    assert keys.salt("u_0123") == keys.salt("u_0123")
    assert {len(keys.salt(str(n))) for n in range(100)} == {2}
    assert [split.decode() for split in keys.salt_splits()] == [f"{n:02x}" for n in range(1, 16)]


def test_rank_table_has_one_region_per_section():
    sections = {key.split(b"|")[0] for key in RANK.splits}
    assert len(RANK.splits) == 16 and sorted(RANK.splits) == list(RANK.splits)  # 17 sections
    assert b"totals" in sections and b"followers" in sections
