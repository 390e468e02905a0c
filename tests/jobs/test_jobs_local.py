"""The local runner (labctl/jobs/local.py): the same scripts in processes, like Streaming runs them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from jobs_local import MALFORMED, generate_lines
from labctl.jobs.definition import JOBS_DIR
from labctl.jobs.local import JobFailed, Split, input_files, plan_splits, read_split, run_local
from labctl.jobs.output import metrics_from_output
from status_factory import account, boost, line, metrics, status


def local_metrics(inputs: list[Path], workdir: Path, **options) -> dict:
    run = run_local(inputs, workdir, **options)
    return metrics_from_output(run.lines())


def test_generated_statuses_give_the_in_process_result(tmp_path):
    lines = list(generate_lines(400, seed=5))
    lines[::50] = [raw + b"\n" for raw in MALFORMED] + [b"\n", b"   \r\n"]
    source = tmp_path / "statuses.jsonl"
    source.write_bytes(b"".join(lines))
    work = tmp_path / "work"
    work.mkdir()
    # Small splits: many map tasks, records cut at every kind of boundary.
    run = run_local([source], work, workers=2, split_bytes=50_000)
    assert metrics_from_output(run.lines()) == metrics(lines)
    assert run.counters[("Mastodon", "records_read")] == len(lines) - 2
    assert run.counters[("Mastodon", "blank_lines")] == 2
    malformed = sum(raw.rstrip(b"\n") in MALFORMED for raw in lines)
    assert run.counters[("Mastodon", "malformed")] == malformed >= len(MALFORMED)
    assert len(run.output) == 2  # one part file per reduce task
    assert {"dedup map", "dedup reduce", "aggregate map", "aggregate reduce", "total"} <= set(run.seconds)


def test_plain_gzip_and_json_array_inputs_agree(tmp_path):
    bob = account("bob", followers_count=3)
    records = [
        status("1", tags=[{"name": "Tag"}], content="<p>a\u2028b</p>"),
        status("1", favourites_count=4),
        boost("2", status("3", by=bob, media_attachments=[{"type": "image"}])),
        status("4", by=bob, language=None),
        42,
        [1, 2],
        {"id": "5"},
        {"id": "6", "account": {"acct": "\ud800"}},  # lone surrogate: valid JSON
    ]
    plain = tmp_path / "page.jsonl"
    plain.write_bytes(b"".join(map(line, records)))
    compressed = tmp_path / "page.jsonl.gz"
    compressed.write_bytes(gzip.compress(plain.read_bytes()))
    array = tmp_path / "page.json"
    array.write_text(json.dumps(records, indent=1), encoding="utf-8")
    results = []
    for number, source in enumerate((plain, compressed, array)):
        work = tmp_path / f"work{number}"
        work.mkdir()
        results.append(local_metrics([source], work, workers=1))
    assert results[0] == results[1] == results[2] == metrics(records)
    assert results[0]["totals"]["malformed"] == 3


def test_empty_inputs(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "blank.jsonl").write_bytes(b"\n  \n")
    (tmp_path / "empty.json").write_bytes(b"[]")
    work = tmp_path / "work"
    work.mkdir()
    doc = local_metrics(sorted(tmp_path.glob("*.json*")), work, workers=2)
    assert doc == metrics([])


def test_a_failing_script_names_its_task_and_shows_its_stderr(tmp_path):
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "boom.py").write_text("import sys\nsys.stdin.read()\nsys.exit('boom: bad things')\n")
    (jobs / "steps.json").write_text(json.dumps({
        "job": "broken",
        "files": ["boom.py"],
        "steps": [{"name": "only", "mapper": "python3 boom.py", "reducer": "cat", "key_fields": 1}],
    }))
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"{}\n" * 1000)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(JobFailed, match=r"(?s)only map 0: .*boom\.py` exited with 1.*boom: bad things"):
        run_local([source], work, workers=1, jobs_dir=jobs)


def test_splits_read_every_line_exactly_once(tmp_path):
    data = b"".join(b"x" * (n % 7) + b"\n" for n in range(50)) + b"no final newline"
    path = tmp_path / "lines"
    path.write_bytes(data)
    for size in (1, 2, 3, 5, 8, 13, len(data), len(data) + 10):
        pieces = [b"".join(read_split(Split(path, start, min(start + size, len(data))))) for start in range(0, len(data), size)]
        assert b"".join(pieces) == data, size
        assert all(piece == b"" or piece.endswith(b"\n") or piece.endswith(b"newline") for piece in pieces)


def test_plan_splits(tmp_path):
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b'{"id": 1}\n' * 10)
    compressed = tmp_path / "b.jsonl.gz"
    compressed.write_bytes(gzip.compress(plain.read_bytes()))
    array = tmp_path / "c.json"
    array.write_text('[{"id": 1}, {"id": 2}]')
    looks_like_array = tmp_path / "d.jsonl"
    looks_like_array.write_bytes(b"[1, 2]\n[3]\n")  # JSON lines whose records are arrays
    work = tmp_path / "work"
    work.mkdir()
    splits = plan_splits([plain, compressed, array, looks_like_array], work, split_bytes=40)
    assert [s for s in splits if s.path == plain] == [Split(plain, 0, 40), Split(plain, 40, 80), Split(plain, 80, 100)]
    assert [s for s in splits if s.path == compressed] == [Split(compressed)]
    converted = [s.path for s in splits if s.path.parent == work]
    assert len(converted) == 1 and converted[0].read_bytes() == b'{"id":1}\n{"id":2}\n'
    assert [s for s in splits if s.path == looks_like_array] == [Split(looks_like_array, 0, 11)]


def test_input_files_expand_directories_and_skip_hidden_and_markers(tmp_path):
    (tmp_path / "day=1").mkdir()
    for name in ("day=1/part-0.jsonl", "day=1/_SUCCESS", ".hidden.jsonl", "top.jsonl.gz"):
        (tmp_path / name).write_bytes(b"")
    assert input_files([tmp_path]) == [tmp_path / "day=1/part-0.jsonl", tmp_path / "top.jsonl.gz"]
    with pytest.raises(FileNotFoundError, match="input not found"):
        input_files([tmp_path / "missing"])


def test_no_input_files_is_an_error(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "_SUCCESS").write_bytes(b"")
    with pytest.raises(ValueError, match="no input files in .*in"):
        run_local([tmp_path / "in"], tmp_path, workers=1)


def test_jobs_dir_is_the_repository_jobs_folder():
    assert (JOBS_DIR / "steps.json").is_file()
