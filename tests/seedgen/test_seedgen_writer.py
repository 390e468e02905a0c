"""Writing recordings: formats, reproducible gzip, atomic files, and the noise of the hostile profile."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from labctl.seedgen import PROFILES, GeneratorConfig, resolve_format, write_recording

SMALL = GeneratorConfig(statuses=400, seed=21, recorded=("one.test",))  # one instance, one file


def test_json_lines_gzip_is_reproducible_to_the_byte(tmp_path):
    first = write_recording(SMALL, tmp_path / "a.jsonl.gz")
    second = write_recording(SMALL, tmp_path / "b.jsonl.gz")
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()
    assert first.sha256 == second.sha256
    raw = gzip.decompress((tmp_path / "a.jsonl.gz").read_bytes())
    assert hashlib.sha256(raw).hexdigest() == first.sha256 and len(raw) == first.raw_bytes
    assert raw.endswith(b"\n") and raw.count(b"\n") == first.lines == SMALL.statuses


def test_plain_json_lines_and_a_json_array_hold_the_same_statuses(tmp_path):
    write_recording(SMALL, tmp_path / "s.jsonl")
    summary = write_recording(SMALL, tmp_path / "s.json")
    lines = [json.loads(line) for line in (tmp_path / "s.jsonl").read_bytes().split(b"\n") if line]
    page = json.loads((tmp_path / "s.json").read_bytes())
    assert isinstance(page, list) and len(page) == summary.lines
    assert page == lines


def test_an_empty_array_is_still_valid_json(tmp_path):
    from labctl.seedgen.writer import _framed

    assert json.loads(b"".join(_framed(iter([]), "json"))) == []


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("a.jsonl.gz", None, ("jsonl", True)),
        ("a.ndjson", None, ("jsonl", False)),
        ("page.JSON.GZ", None, ("json", True)),
        ("page.json", None, ("json", False)),
        ("dump.gz", "jsonl", ("jsonl", True)),
    ],
)
def test_format_from_the_file_name(name, fmt, expected):
    assert resolve_format(Path(name), fmt) == expected


@pytest.mark.parametrize(("name", "fmt"), [("a.txt", None), ("a.gz", None), ("a.jsonl", "csv")])
def test_unknown_formats_are_refused_with_the_choices(name, fmt):
    with pytest.raises(ValueError, match="json"):
        resolve_format(Path(name), fmt)


def test_a_failed_write_leaves_no_file_behind(tmp_path):
    with pytest.raises(ValueError, match="ISO 8601"):
        write_recording(SMALL.replace(end="soon"), tmp_path / "s.jsonl.gz")
    assert list(tmp_path.iterdir()) == []


def test_hostile_lines_are_blank_repeated_or_really_malformed(tmp_path):
    summary = write_recording(PROFILES["hostile"].replace(statuses=3_000, seed=4, recorded=("h.test",)), tmp_path / "h.jsonl")
    assert summary.malformed > 0 and summary.blank > 0 and summary.duplicates > 0
    lines = (tmp_path / "h.jsonl").read_bytes().split(b"\n")[:-1]
    assert len(lines) == summary.lines
    blank = malformed = repeated = 0
    for previous, line in zip([b""] + lines, lines):
        if not line:
            blank += 1
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except ValueError:
            malformed += 1
            continue
        if not (isinstance(record, dict) and record.get("id") and isinstance(record.get("account"), dict)):
            malformed += 1
        elif line == previous:
            repeated += 1
    assert (blank, malformed) == (summary.blank, summary.malformed)
    assert repeated == summary.duplicates
