"""The bad-input corpus (corpus.py) through `labctl jobs run-local` and through ingestion: each
case counted (good in = good out, malformed counted: the oracle's metrics of the records the
case was built from) or refused (an error naming the file and a byte offset, nothing written).
Each run is bounded by a generous timeout, in a process of its own, killed if it overruns:
a bound on the work, not a speed figure."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import zlib
from pathlib import Path

import corpus
import pytest

from labctl import oracle
from labctl.collect.files import ingest_files
from labctl.lake.records import InputFileError
from labctl.lake.fs import LocalFileSystem, walk_files
from labctl.lake.layout import LakeLayout

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # seconds for one case on one path; the quadratic record took hours
LAYOUT = LakeLayout()


def marked(case: corpus.Case):
    """A pending case is expected to fail, strictly: once it passes, the mark must go."""
    if case.pending is None:
        return case
    return pytest.param(case, marks=pytest.mark.xfail(reason=case.pending, strict=True), id=case.name)


CASES = [marked(case) for case in corpus.CASES]
IDS = [case.name for case in corpus.CASES]


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad-input")
    corpus.write(folder)
    return folder


def expected(case: corpus.Case) -> dict:
    return oracle.compute([corpus.lines(case.records())])


def offset_named(message: str, path: Path) -> int:
    flat = "".join(message.split())  # a terminal may have wrapped it anywhere
    assert str(path) in flat, message
    found = re.search(r"atbyte([\d,]+)of", flat)
    assert found, message
    return int(found.group(1).replace(",", ""))


def test_the_committed_files_are_what_the_script_builds():
    assert corpus.stale() == [], "python tests/bad_input/corpus.py --commit"


def test_every_case_of_the_issue_is_in_the_corpus():
    assert {"gzip-truncated", "gzip-corrupt", "gzip-trailing-garbage", "array-bad-elements", "huge-numbers",
            "negative-numbers", "quadratic-html", "bare-cr", "deep-nesting", "nul-bytes", "smoke-bad-records",
            "five-mb-line"} <= set(corpus.BY_NAME)


def run_local(case: corpus.Case, path: Path) -> tuple[int, bytes, str]:
    """`labctl jobs run-local` on `path` in a process group of its own, killed at the timeout."""
    process = subprocess.Popen(
        [sys.executable, "-m", "labctl", "jobs", "run-local", "--input", str(path), "--json", "--workers", "1"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"{case.name}: run-local still running after {TIMEOUT} s")
    return process.returncode, out, err.decode("utf-8", "replace")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_run_local(case, files):
    path = case.path(files)
    code, out, stderr = run_local(case, path)
    if case.outcome == "refused":
        assert code == 1 and out == b"", stderr
        low, high = case.refused_at()
        assert low <= offset_named(stderr, path) <= high
        assert "Traceback" not in stderr
        return
    assert code == 0, stderr[-3000:]
    assert json.loads(out) == expected(case)


def hadoop_lines(data: bytes) -> list[bytes]:
    """A raw batch's records as Hadoop's LineReader cuts them: at LF, CR or CRLF."""
    body = zlib.decompress(data, wbits=47)
    return re.split(rb"\r\n|\r|\n", body)[:-1] if body else []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ingest(case, files, tmp_path):
    path = case.path(files)
    fs = LocalFileSystem(tmp_path / "lake")
    if case.outcome == "refused":
        with pytest.raises(InputFileError) as caught:
            ingest_files([path], fs, LAYOUT, include_noindex=True)
        low, high = case.refused_at()
        assert low <= offset_named(caught.value.message, path) <= high
        assert [entry.path for entry in walk_files(fs, LAYOUT.root)] == []  # nothing written
        return
    [result] = ingest_files([path], fs, LAYOUT, include_noindex=True)
    batches = [entry for entry in walk_files(fs, LAYOUT.raw_source) if entry.name.endswith(".jsonl.gz")]
    raw = [line for batch in batches for line in hadoop_lines(fs.read_bytes(batch.path))]
    manifests = [json.loads(fs.read_bytes(e.path)) for e in walk_files(fs, LAYOUT.raw_source) if "/_manifests/" in e.path]
    # Every record one line for Hadoop too: what the manifests count is what a job reads.
    assert len(raw) == sum(m["count"] for m in manifests) == result.records == len(case.records())
    # The jobs over the raw zone, as YARN's map tasks get it, give the metrics of the input.
    as_read = tmp_path / "raw-zone-as-hadoop-reads-it.jsonl"
    as_read.write_bytes(b"".join(line + b"\n" for line in raw))
    code, out, stderr = run_local(case, as_read)
    assert code == 0, stderr[-3000:]
    assert json.loads(out) == expected(case)
