"""The oracle over whole recordings: the shipped one, and generated hostile ones.

Two independent checks: the document must be consistent with itself, and it
must equal what the generator knows it wrote (labctl.seedgen.Truth, tallied
from generation-time choices, never from parsing the output).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from labctl.seedgen import PROFILES, SHIPPED_FILES, SHIPPED_RECORDING, Truth, recording_lines, write_recording
from labctl.oracle import compute

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / name for name in SHIPPED_FILES]
RANKED = ("urls", "domains", "languages", "media_types", "tags", "mentions", "emojis")


@pytest.fixture(scope="module")
def shipped() -> dict:
    missing = [str(path) for path in SHIPPED if not path.is_file()]
    assert not missing, f"{missing} missing: regenerate the recording (see seed_data/README.md)"
    return compute(SHIPPED)


def test_the_shipped_recording_is_consistent_with_itself(shipped):
    totals = shipped["totals"]
    assert totals["malformed"] == 0
    assert sum(shipped["languages"].values()) == totals["statuses"]
    assert sum(e["statuses"] for e in shipped["engagement"].values()) == totals["statuses"]
    assert len(shipped["followers"]) == totals["accounts"]
    growth = list(shipped["user_growth"].values())
    assert growth[-1]["cumulative"] == sum(g["new"] for g in growth) == totals["accounts"]
    assert list(shipped["user_growth"]) == sorted(shipped["user_growth"])
    assert totals["statuses_with_media"] <= sum(shipped["media_types"].values())
    for who, row in shipped["engagement"].items():
        assert row["followers"] == shipped["followers"][who]["followers"]
        assert row["avg_interactions"] == pytest.approx(row["interactions"] / row["statuses"])
        assert row["engagement_rate"] == pytest.approx(row["avg_interactions"] / max(row["followers"], 1))
    for metric in RANKED:
        counts = list(shipped[metric].items())
        assert counts == sorted(counts, key=lambda kv: (-kv[1], kv[0])), metric
        assert all(0 < n <= totals["statuses"] for _, n in counts), metric


def test_the_new_metrics_of_the_shipped_recording_add_up(shipped):
    totals = shipped["totals"]
    assert sum(shipped["instances"].values()) == sum(shipped["regions"].values()) == totals["statuses"]
    assert list(shipped["language_by_region"]) == list(shipped["regions"])
    per_language = {}
    for region, languages in shipped["language_by_region"].items():
        assert sum(languages.values()) == shipped["regions"][region]
        assert list(languages.items()) == sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))
        for code, n in languages.items():
            per_language[code] = per_language.get(code, 0) + n
    assert per_language == shipped["languages"]
    media = shipped["media_engagement"]
    assert media["with_media"]["statuses"] == totals["statuses_with_media"]
    assert media["with_media"]["statuses"] + media["without_media"]["statuses"] == totals["statuses"]
    assert media["with_media"]["interactions"] + media["without_media"]["interactions"] == sum(
        e["interactions"] for e in shipped["engagement"].values()
    )
    assert set(media["by_type"]) == set(shipped["media_types"])
    for kind, entry in media["by_type"].items():
        assert entry["statuses"] <= min(shipped["media_types"][kind], media["with_media"]["statuses"])
        assert entry["avg_interactions"] == pytest.approx(entry["interactions"] / entry["statuses"])


def test_the_shipped_recording_has_what_the_generator_put_in(shipped):
    truth = Truth()
    for _ in recording_lines(SHIPPED_RECORDING, truth=truth):
        pass
    assert shipped == truth.document()


@pytest.mark.parametrize("name", ["hostile.jsonl.gz", "hostile.json"])
def test_hostile_recordings_match_the_generator_malformed_lines_included(tmp_path, name):
    truth = Truth()
    config = PROFILES["hostile"].replace(statuses=2_500, seed=99)
    summary = write_recording(config, tmp_path / name, truth=truth)
    expected = truth.document()
    assert expected["totals"]["malformed"] == summary.malformed > 0
    assert compute([tmp_path / name]) == expected


def test_line_order_does_not_matter(tmp_path):
    path = tmp_path / "hostile.jsonl"
    write_recording(PROFILES["hostile"].replace(statuses=1_500, seed=5), path)
    lines = path.read_bytes().split(b"\n")
    random.Random(1).shuffle(lines)
    assert compute([b"\n".join(lines)]) == compute([path])
