"""File ingestion (`labctl seed --file`): every record lands once; what is not a JSON object
passes through byte for byte and is counted; recordings round-trip through the replay server."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest
from lakeview import lake_lines, manifests
from replayserver import running
from statusfactory import make_timeline, write_jsonl
from typer.testing import CliRunner

from labctl.collect.collector import CollectOptions, collect_timeline
from labctl.collect.errors import CollectError
from labctl.lake.records import InputFileError
from labctl.collect.files import ingest_files
from labctl.lake.records import iter_raw_records, unescape_line
from labctl.collect.recording import record_timeline
from labctl.collect.timelines import Timeline
from labctl.cli import app
from labctl.governance.minimise import minimise
from labctl.lake.fs import LocalFileSystem

STATUSES = make_timeline(150, noindex_every=6, boost_every=5)
MALFORMED = [
    b"{not json",
    b"",
    b"   ",
    b"42",
    b'"a string"',
    b"[1, 2, 3]",
    b'{"id": NaN}',
    b"\xff\xfe not utf-8",
    b'{"id": "1", "trailing": "comma",}',
]




def file_with_malformed_lines(path, statuses=STATUSES):
    lines = [json.dumps(s, ensure_ascii=False).encode() for s in statuses]
    for n, bad in enumerate(MALFORMED):
        lines.insert(7 * n + 3, bad)
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    return path


def test_unparsed_lines_pass_through_unchanged_and_are_counted(tmp_path):
    fs = LocalFileSystem(tmp_path / "lake")
    source = file_with_malformed_lines(tmp_path / "in.jsonl.gz")
    [result] = ingest_files([source], fs, batch_size=40, include_noindex=True)
    lines = lake_lines(fs)
    parsed = [json.loads(line) for line in lines if line not in MALFORMED]
    assert Counter(line for line in lines if line in MALFORMED) == Counter(MALFORMED)
    # Batches are files; their order in a listing is not the file's order.
    assert sorted(parsed, key=lambda s: s["id"]) == sorted((minimise(s) for s in STATUSES), key=lambda s: s["id"])
    assert result.unparsed == sum(m["unparsed"] for m in manifests(fs)) == len(MALFORMED)
    assert result.records == len(STATUSES) + len(MALFORMED)


def test_the_jobs_count_exactly_the_malformed_lines_of_the_input(tmp_path):
    contract = pytest.importorskip("contract", reason="jobs/contract.py (the metric contract) is not present")
    fs = LocalFileSystem(tmp_path / "lake")
    source = file_with_malformed_lines(tmp_path / "in.jsonl.gz")
    ingest_files([source], fs, include_noindex=True)
    raw_input = gzip.decompress(source.read_bytes()).split(b"\n")[:-1]

    def problems(lines):
        return Counter(r.reason for r in map(contract.parse_record, lines) if isinstance(r, contract.Malformed))

    assert problems(lake_lines(fs)) == problems(raw_input)
    assert sum(problems(raw_input).values()) == len(MALFORMED)


def test_the_noindex_policy_applies_to_files(tmp_path):
    fs = LocalFileSystem(tmp_path / "lake")
    source = write_jsonl(STATUSES, tmp_path / "in.jsonl.gz")
    excluded = sum(1 for s in STATUSES
                   if s["account"]["noindex"] or (s["reblog"] and s["reblog"]["account"]["noindex"]))
    [result] = ingest_files([source], fs)
    assert excluded and result.skipped == {"noindex": excluded}
    assert len(lake_lines(fs)) == len(STATUSES) - excluded
    assert sum(m["skipped_noindex"] for m in manifests(fs)) == excluded


def test_ingesting_the_same_file_twice_adds_nothing(tmp_path):
    fs = LocalFileSystem(tmp_path / "lake")
    source = write_jsonl(STATUSES, tmp_path / "in.jsonl.gz")
    copy = tmp_path / "renamed.jsonl.gz"
    copy.write_bytes(source.read_bytes())
    first = ingest_files([source], fs, include_noindex=True)
    again = ingest_files([source, copy], fs, include_noindex=True)
    assert [r.state for r in again] == ["already-ingested", "already-ingested"]
    assert len(lake_lines(fs)) == first[0].written == len(STATUSES)
    forced = ingest_files([copy], fs, include_noindex=True, force=True)
    assert forced[0].state == "ingested" and len(lake_lines(fs)) == 2 * len(STATUSES)


def test_a_crashed_file_ingestion_resumes_after_its_last_batch(tmp_path):
    class Crash(Exception):
        pass

    class CrashOnThirdBatch(LocalFileSystem):
        renames = 0

        def rename(self, src, dst):
            if dst.endswith(".jsonl.gz"):
                self.renames += 1
                if self.renames == 3:
                    raise Crash
            super().rename(src, dst)

    source = file_with_malformed_lines(tmp_path / "in.jsonl.gz")
    with pytest.raises(Crash):
        ingest_files([source], CrashOnThirdBatch(tmp_path / "lake"), batch_size=25, include_noindex=True)
    fs = LocalFileSystem(tmp_path / "lake")
    assert len(lake_lines(fs)) == 50
    [resumed] = ingest_files([source], fs, batch_size=25, include_noindex=True)
    assert resumed.state == "resumed"
    lines = lake_lines(fs)
    assert len(lines) == len(STATUSES) + len(MALFORMED)
    ids = [json.loads(line)["id"] for line in lines if line not in MALFORMED]
    assert sorted(ids) == sorted(s["id"] for s in STATUSES)


def test_json_arrays_plain_and_pretty(tmp_path):
    pretty = tmp_path / "page.json"
    pretty.write_text(json.dumps(STATUSES[:30], indent=2))
    compact = tmp_path / "page.json.gz"
    compact.write_bytes(gzip.compress(json.dumps(STATUSES[30:60]).encode()))
    single = tmp_path / "one.json"
    single.write_text(json.dumps(STATUSES[60], indent=1))
    fs = LocalFileSystem(tmp_path / "lake")
    results = ingest_files([pretty, compact, single], fs, include_noindex=True)
    assert [r.records for r in results] == [30, 30, 1] and all(r.unparsed == 0 for r in results)
    assert sorted(json.loads(x)["id"] for x in lake_lines(fs)) == sorted(s["id"] for s in STATUSES[:61])


def test_a_cut_pretty_array_keeps_its_whole_elements_and_the_rest_as_one_malformed_record(tmp_path):
    broken = tmp_path / "broken.json"
    text = json.dumps(STATUSES[:3], indent=2)
    cut = text[: text.rindex("}") - 40]  # inside the third element
    broken.write_text(cut)
    records = list(iter_raw_records(broken))
    assert [r.status for r in records[:2]] == STATUSES[:2]
    [tail] = records[2:]
    assert tail.status is None and b"\n" not in tail.line and b"\r" not in tail.line
    # Nothing is lost: the unfinished element comes back byte for byte.
    starts = [n + 3 for n in range(len(cut)) if cut.startswith("\n  {", n)]  # indent=2: each element at "\n  {"
    assert len(starts) == 3
    assert unescape_line(tail.line) == cut[starts[2]:].rstrip().encode()


def test_one_bad_element_of_an_array_costs_only_that_element(tmp_path):
    elements = [json.dumps(s) for s in STATUSES[:20]]
    elements[7] = '{"id": NaN, "content": "not RFC 8259"}'
    elements[12] = '{"unbalanced": "brace"}}'
    elements[15] = "42"
    array = tmp_path / "page.json.gz"
    array.write_bytes(gzip.compress(("[" + ",\n".join(elements) + "]\n").encode()))
    records = list(iter_raw_records(array))
    assert len(records) == 20
    good = [r.status for r in records if r.status is not None]
    assert good == [s for n, s in enumerate(STATUSES[:20]) if n not in (7, 12, 15)]
    assert [unescape_line(records[n].line) for n in (7, 12, 15)] == [b'{"id": NaN, "content": "not RFC 8259"}', b'{"unbalanced": "brace"}}', b"42"]


def test_u2028_inside_a_string_is_not_a_line_break(tmp_path):
    status = dict(STATUSES[0], content="<p>line\u2028separator\u2029paragraph</p>")
    source = tmp_path / "u2028.jsonl"
    source.write_text(json.dumps(status, ensure_ascii=False) + "\n", encoding="utf-8")
    assert "\u2028".encode() in source.read_bytes()
    fs = LocalFileSystem(tmp_path / "lake")
    ingest_files([source], fs, include_noindex=True)
    [line] = lake_lines(fs)
    assert "\u2028".encode() not in line, "written escaped, safe for any line reader"
    assert json.loads(line)["content"] == status["content"]


def test_missing_files_are_named(tmp_path):
    with pytest.raises(CollectError, match="no such file: .*nope.jsonl"):
        ingest_files([tmp_path / "nope.jsonl"], LocalFileSystem(tmp_path))


def test_a_recording_replays_to_the_same_statuses(tmp_path):
    out = tmp_path / "recording.jsonl.gz"
    with running(STATUSES) as replay:
        result = record_timeline(replay.url, Timeline.parse("public"), 100, out, include_noindex=True)
    recorded = [r.status for r in iter_raw_records(out)]
    assert result.written == 100 and [s["id"] for s in recorded] == [s["id"] for s in STATUSES[:100]]
    assert recorded == [minimise(s) for s in STATUSES[:100]], "recordings are minimised like the raw zone"
    fs = LocalFileSystem(tmp_path / "lake")
    with running(recorded) as replay:
        collected = collect_timeline(replay.url, Timeline.parse("public"), fs,
                                     options=CollectOptions(include_noindex=True))
    assert collected.received == 100
    assert sorted(json.loads(x)["id"] for x in lake_lines(fs)) == sorted(s["id"] for s in recorded)


def test_ingest_command(tmp_path):
    source = file_with_malformed_lines(tmp_path / "in.jsonl.gz")
    runner = CliRunner()
    lake = str(tmp_path / "lake")
    first = runner.invoke(app, ["ingest", str(source), "--lake", lake, "--include-noindex", "--json"])
    second = runner.invoke(app, ["ingest", str(source), "--lake", lake, "--json"])
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.json"), "--lake", lake])
    assert first.exit_code == 0 and json.loads(first.output)[0]["unparsed"] == len(MALFORMED)
    assert json.loads(second.output)[0]["state"] == "already-ingested"
    assert missing.exit_code == 1 and "no such file" in missing.output
    shown = runner.invoke(app, ["lake", "--lake", lake, "--json"])
    assert json.loads(shown.output)["records"] == len(STATUSES) + len(MALFORMED)


def test_the_benchmark_reports_a_throughput(tmp_path, capsys):
    from collection import main

    recording = write_jsonl(make_timeline(300), tmp_path / "rec.jsonl.gz")
    assert main(["--recording", str(recording), "--include-noindex", "--batch-size", "100"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["collected"] == figures["ingest_records"] == figures["recording_statuses"] == 300
    assert figures["collect_statuses_per_second"] > 0 and figures["ingest_records_per_second"] > 0


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("damaged")
    body = b"".join(json.dumps(s).encode() + b"\n" for s in make_timeline(3000))
    whole = gzip.compress(body)
    assert len(whole) > 100_000
    corrupt = bytearray(whole)
    corrupt[len(whole) // 2 : len(whole) // 2 + 64] = b"\x00" * 64
    cases = {"truncated": whole[: len(whole) * 2 // 3], "corrupt": bytes(corrupt), "garbage": whole + b"<html>oops</html>"}
    paths = {}
    for name, data in cases.items():
        paths[name] = tmp_path / f"{name}.jsonl.gz"
        paths[name].write_bytes(data)
    return paths


@pytest.mark.parametrize("case", ["truncated", "corrupt", "garbage"])
def test_a_damaged_gzip_file_is_refused_before_anything_is_written(tmp_path, damaged, case):
    source = damaged[case]
    fs = LocalFileSystem(tmp_path / "lake")
    with pytest.raises(InputFileError, match=rf"{source.name}: .* at byte [\d,]+ of [\d,]+") as caught:
        ingest_files([source], fs, include_noindex=True)
    assert "nothing of it was used" in caught.value.hint
    assert not (tmp_path / "lake").exists() or [p for p in (tmp_path / "lake").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("case", ["truncated", "corrupt", "garbage"])
def test_labctl_ingest_names_the_damaged_file_and_does_not_blame_the_lake(tmp_path, damaged, case, capsys):
    from labctl import cli

    source = damaged[case]
    assert cli.main(["ingest", str(source), "--lake", str(tmp_path / "lake")]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert str(source) in said.replace(" ", "") and "at byte" in said
    assert "cannot use the lake" not in said and "aborted" not in said.lower()
