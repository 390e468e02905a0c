"""The bad-input corpus (tests/bad_input/corpus.py) through the lab: each file through
`labctl seed --file`, then one DAG run over the whole raw zone on YARN.

Each case has one of two outcomes: counted (every record lands, one line each, and the run
counts its malformed records and quarantines them) or refused (`seed --file` exits 1 naming
the file and a byte offset, and nothing of it lands). The run must succeed: its quality
task compares what the raw zone holds with what the jobs read, so a record cut in two by
Hadoop's line reader would fail it. Every task is bounded by its Airflow timeout.

A case marked pending in the corpus (a change it needs is not merged) is left out: seeded,
it could fail or stall every later run. None is pending now.

Runs last (its name): it removes what it seeded afterwards, raw partitions and ingestion
checkpoints, and, on a lab the session did not start, runs the DAG once more, so that the
lab is as the other tests left it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

from conftest import edge, session_owns_lab
from labctl import oracle
from labctl.cli import main
from labctl.core import addresses as ab
from labctl.core import runs
from labctl.core.airflow_api import AirflowAPI
from queries import expected_over_raw_zone, query

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "bad_input"))
import corpus  # noqa: E402

CASES = [case for case in corpus.CASES if case.pending is None]
PARTITION = "bad-corpus-{}"


# Run on the edge node: the lines of each case's partition, decompressed as `hdfs dfs -text`
# would, counted in one process (one JVM per case cost about 3 s each).
COUNT_LINES = r"""
import gzip, json, sys
from hdfs import InsecureClient
given = json.load(sys.stdin)
client = InsecureClient(given["namenode"], user="etl")
counts = {}
for name, root in given["partitions"].items():
    counts[name] = 0
    if client.status(root, strict=False) is None:
        continue
    for folder, _, files in client.walk(root):
        for file in files:
            if file.endswith(".jsonl.gz"):
                with client.read(folder.rstrip("/") + "/" + file) as reader:
                    counts[name] += gzip.decompress(reader.read()).count(b"\n")
print(json.dumps(counts))
"""


def partition(case) -> str:
    return f"/lake/raw/mastodon/instance={PARTITION.format(case.name)}"


def landed(manifest) -> dict[str, int]:
    """The lines that landed in each case's partition."""
    # The NameNode as the edge node reaches it (the address book's lab-network target).
    given = {"namenode": ab.current(manifest, target=ab.LAB_NETWORK).namenode,
             "partitions": {case.name: partition(case) for case in CASES}}
    output = edge(["python", "-c", COUNT_LINES], stdin_data=json.dumps(given).encode())
    return json.loads(output.strip().splitlines()[-1])


def cleanup(paths: dict) -> None:
    """The corpus's raw partitions and ingestion checkpoints, as their owner (collector)."""
    targets = [partition(case) for case in CASES]
    targets += [f"/lake/_state/ingested/{hashlib.sha256(path.read_bytes()).hexdigest()}" for path in paths.values()]
    edge(["bash", "-c", "HADOOP_USER_NAME=collector hdfs dfs -rm -r -f -skipTrash " + " ".join(targets) + " >/dev/null"], check=False)


@pytest.fixture(scope="module")
def seeded(lab_stack, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-input")
    corpus.write(folder)
    paths = {case.name: case.path(folder) for case in CASES}
    api = AirflowAPI(lab_stack)
    runs.wait_idle(api)
    runs.quiesce(api)
    cleanup(paths)  # a corpus left by an interrupted earlier run would read as already ingested
    # The malformed records of the raw zone as it is, before the corpus: the oracle's count over
    # its lines, so the DAG run after the corpus is judged on the whole zone (one run saved).
    before = expected_over_raw_zone()["totals"]["malformed"]
    seeded = {case.name: seed(paths[case.name], case) for case in CASES}
    lines = landed(lab_stack)
    outcomes = {name: (code, output, lines[name]) for name, (code, output) in seeded.items()}
    run = main(["run"])
    after = query("totals")["totals"]
    quarantined = quarantine_lines(api)
    yield {"paths": paths, "outcomes": outcomes, "run": run, "malformed_before": before, "totals": after,
           "quarantined": quarantined}
    cleanup(paths)
    if not session_owns_lab():  # a lab removed with the session needs no clean results (a DAG run saved)
        assert main(["run"]) == 0, "the run after removing the corpus failed"


def seed(path: Path, case) -> tuple[int, str]:
    import contextlib
    import io

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        code = main(["seed", "--file", str(path), "--as-instance", PARTITION.format(case.name), "--json"])
    return code, captured.getvalue()


def quarantine_lines(api: AirflowAPI) -> list[bytes]:
    latest = api.get(f"/dags/{runs.DAG_ID}/dagRuns", order_by="-run_after", limit=1)["dag_runs"][0]
    from datetime import datetime

    from labctl.pipeline.steps import run_id_for

    run_id = run_id_for(datetime.fromisoformat(latest["data_interval_end"] or latest["run_after"]))
    text = edge(["bash", "-c", f"HADOOP_USER_NAME=etl hdfs dfs -cat /lake/quarantine/{run_id}/malformed/*.jsonl 2>/dev/null"])
    return [base64.b64decode(json.loads(line)["line_base64"]) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_case_is_counted_or_refused_by_seed(seeded, case):
    code, output, lines = seeded["outcomes"][case.name]
    if case.outcome == "refused":
        flat = "".join(output.split())
        assert code == 1 and "atbyte" in flat and case.path(Path("/")).name in flat, output[-2000:]
        assert lines == 0, f"{lines} lines of a refused file landed"
        assert "Traceback" not in output and "cannot use the lake" not in output
        return
    assert code == 0, output[-2000:]
    # One line per record, nothing split; a record the ingestion policy leaves out (an author
    # who set noindex, or one a test of the session erased: the corpus is built from the
    # recording's accounts) is counted with its reason, never lost.
    start = re.search(r"^\[\s*\{", output, re.M)  # --json prints one indented list; stderr may come first
    assert start, output[-2000:]
    [result] = json.loads(output[start.start():])
    skipped = result.get("skipped") or {}
    assert set(skipped) <= {"erased", "noindex"}, skipped
    assert lines == len(case.records()) - sum(skipped.values())


def test_the_run_over_the_corpus_succeeds_and_counts_every_malformed_record(seeded):
    assert seeded["run"] == 0, "the DAG run failed (its quality task compares the raw zone with what the jobs read)"
    counted = [case for case in CASES if case.outcome == "counted"]
    malformed = sum(oracle.compute([corpus.lines(case.records())])["totals"]["malformed"] for case in counted)
    assert seeded["totals"]["malformed"] - seeded["malformed_before"] == malformed
    assert len(seeded["quarantined"]) >= malformed
