"""Public checks: partitions, one small landing, read back.

Run them with `python test_land.py` in this folder; `labctl course check raw-zone` runs
them too, with more checks you do not see, then land.py on real data.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from land import land, partition_path, partition_value

NOON = datetime(2026, 1, 31, 12, 5, tzinfo=timezone.utc)


def status(number: int, **account) -> bytes:
    return json.dumps({"id": str(number), "account": {"acct": f"a{number}", **account}, "reblog": None}).encode()


def landed(lines: list[bytes], batch_size: int = 2, when: datetime = NOON):
    with tempfile.TemporaryDirectory() as tmp:
        source, lake = Path(tmp) / "in.jsonl", Path(tmp) / "lake"
        source.write_bytes(b"\n".join(lines) + b"\n")
        manifests = land(source, lake, "social.lab.example", "public", when, batch_size)
        stored = {m["batch_id"]: gzip.decompress((lake / m["data_path"]).read_bytes()).splitlines() for m in manifests}
        leftovers = [p for p in (lake / "_tmp").glob("*")] if (lake / "_tmp").exists() else []
        return manifests, stored, leftovers


def test_a_partition_is_named_after_the_collection_hour_in_utc():
    assert partition_path("social.lab.example", "public", NOON) == (
        "raw/mastodon/instance=social.lab.example/timeline=public/dt=2026-01-31/hour=12"
    )


def test_partition_values_are_safe_names():
    assert partition_value("Mastodon.Social") == "mastodon.social"
    assert partition_value("tag:python") == "tag_python"


def test_five_statuses_in_batches_of_two():
    manifests, stored, leftovers = landed([status(n) for n in range(5)])
    assert sorted(m["count"] for m in manifests) == [1, 2, 2]
    assert sum(len(lines) for lines in stored.values()) == 5
    assert leftovers == []


### BEGIN HIDDEN TESTS
def test_the_hour_is_utc_even_when_the_time_has_an_offset():
    when = datetime.fromisoformat("2026-03-01T01:30:00+02:00")
    assert partition_path("a.example", "public", when).endswith("dt=2026-02-28/hour=23")


def test_malformed_lines_are_kept_and_counted_noindex_ones_left_out():
    lines = [status(1), b"not json", status(2, noindex=True), b"", status(3)]
    manifests, stored, _ = landed(lines, batch_size=10)
    assert sum(m["parsed"] for m in manifests) == 2
    assert sum(m["unparsed"] for m in manifests) == 1
    assert sum(m["skipped_noindex"] for m in manifests) == 1
    assert sorted(line for lines in stored.values() for line in lines) == sorted([status(1), b"not json", status(3)])


def test_a_boost_of_a_noindex_author_is_left_out():
    boost = json.dumps({"id": "9", "account": {"acct": "b"}, "reblog": json.loads(status(8, noindex=True))}).encode()
    manifests, stored, _ = landed([boost, status(1)], batch_size=10)
    assert sum(m["skipped_noindex"] for m in manifests) == 1


def test_a_manifest_describes_its_file():
    manifests, _, _ = landed([status(1), status(2)], batch_size=10)
    assert manifests[0]["count"] == 2 and len(manifests[0]["sha256"]) == 64
    assert manifests[0]["data_path"].endswith(manifests[0]["batch_id"] + ".jsonl.gz")
### END HIDDEN TESTS


if __name__ == "__main__":
    from labctl.course.unit import main

    main(globals())
