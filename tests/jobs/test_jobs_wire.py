"""The row format and the Streaming loop (jobs/wire.py)."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from collections import Counter
from itertools import groupby
from pathlib import Path

import pytest

import wire

JOBS = Path(wire.__file__).parent
TRICKY = ["", "a", "a!", "a\tb", "a\nb", "a\rb", "%", "%25", "a%09b", "\x00", "\x01x", "é", "\u2028", "\ud800", "z" * 3]


@pytest.mark.parametrize("field", TRICKY)
def test_rows_round_trip(field):
    key = ("tag", field)
    value = {"text": field, "n": [1, None, 2.5]}
    row = wire.write(key, value)
    assert row.endswith(b"\n") and row.count(b"\n") == 1 and b"\r" not in row
    assert row.count(b"\t") == 2
    assert wire.read(row) == (key, value)


def test_read_rejects_a_line_without_value():
    with pytest.raises(ValueError, match="no tab"):
        wire.read(b"just text\n")


def test_sorting_whole_rows_groups_them_like_sorting_their_keys():
    """Hadoop sorts key bytes; the runner and `LC_ALL=C sort` sort whole lines: same groups."""
    rng = random.Random(7)
    alphabet = ["a", "b", "\t", "\n", "\x01", "%", " ", "!", "é"]
    keys = {("k", "".join(rng.choices(alphabet, k=rng.randint(0, 4)))) for _ in range(400)}
    rows = [wire.write(key, rng.randint(0, 9)) for key in keys for _ in range(rng.randint(1, 3))]
    rng.shuffle(rows)
    by_line = [key for key, _ in groupby(wire.read(row)[0] for row in sorted(rows))]
    by_key_bytes = [key for key, _ in groupby(wire.read(row)[0] for row in sorted(rows, key=wire.row_key))]
    assert by_line == by_key_bytes
    assert len(by_line) == len(keys)  # every key in one contiguous group


def test_map_lines_splits_on_newline_only_and_drops_crlf():
    seen = []

    def mapper(line, counters):
        seen.append(line)
        return iter(())

    data = b"one \xe2\x80\xa8 still one\r\ntwo\x0bthree\x85\nlast without newline"
    assert len(data.decode("utf-8", "replace").splitlines()) > 3  # what str.splitlines would do
    list(wire.map_lines(mapper, io.BytesIO(data), Counter()))
    assert seen == [b"one \xe2\x80\xa8 still one", b"two\x0bthree\x85", b"last without newline"]


def test_group_rows_groups_consecutive_equal_keys():
    rows = sorted(wire.write(("k", name), n) for name, n in [("a", 1), ("b", 2), ("a", 3)])
    assert [(key, list(values)) for key, values in wire.group_rows(rows)] == [(("k", "a"), [1, 3]), (("k", "b"), [2])]


def test_counters_round_trip():
    out = io.StringIO()
    counters = Counter({("Mastodon", "records_read"): 3, ("Mastodon malformed", "invalid-json"): 1})
    wire.report_counters(counters, out)
    assert dict(wire.parse_counter(line) for line in out.getvalue().splitlines()) == counters
    assert wire.parse_counter("Traceback (most recent call last):") is None


def test_script_entry_point_reports_usage_errors():
    result = subprocess.run([sys.executable, "dedup.py", "explode"], cwd=JOBS, capture_output=True, text=True)
    assert result.returncode == 2
    assert "map|reduce" in result.stderr


def test_script_entry_point_streams_bytes_and_counters():
    raw = b'{"id": "1", "account": {"acct": "a@b.c"}, "content": "x\xe2\x80\xa8y"}\n\xff\n\n'
    result = subprocess.run([sys.executable, "dedup.py", "map"], cwd=JOBS, input=raw, capture_output=True)
    assert result.returncode == 0, result.stderr
    kinds = sorted(wire.read(row)[0][0] for row in io.BytesIO(result.stdout))
    assert kinds == ["author", "malformed", "status"]
    counters = dict(filter(None, map(wire.parse_counter, result.stderr.decode().splitlines())))
    assert counters[("Mastodon", "records_read")] == 2
    assert counters[("Mastodon", "blank_lines")] == 1
    assert counters[("Mastodon malformed", "invalid-utf8")] == 1


def test_combine_in_memory_merges_equal_keys_and_flushes_when_full():
    rows = [(("n", "a"), 1), (("n", "b"), 1), (("other", "x"), "kept"), (("n", "a"), 2), (("n", "c"), 1)]
    merged = list(wire.combine_in_memory(rows, {"n": lambda a, b: a + b}))
    assert sorted(merged) == [(("n", "a"), 3), (("n", "b"), 1), (("n", "c"), 1), (("other", "x"), "kept")]
    flushed = list(wire.combine_in_memory(rows, {"n": lambda a, b: a + b}, max_keys=1))
    assert len(flushed) == 5  # partial sums: a later merge adds them up
    totals = Counter()
    for key, value in flushed:
        if key[0] == "n":
            totals[key] += value
    assert totals == Counter({("n", "a"): 3, ("n", "b"): 1, ("n", "c"): 1})
