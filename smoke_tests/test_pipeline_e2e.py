"""The whole pipeline on the lab: deploy, seed from the recording through the replay
server, run the DAG through Airflow, and every `labctl query --json` equals the
independent oracle computed over the same raw zone."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from labctl.cli import main
from labctl.core import runs
from labctl.core.airflow_api import AirflowAPI
from labctl.pipeline.steps import run_id_for
from policy import ingestion_filter
from queries import QUERIES, RAW_GLOB, assert_query_answers, expected_over_raw_zone, raw_zone_lines  # noqa: F401 (RAW_GLOB: other tests import it from here)

SEED = Path(__file__).resolve().parent.parent / "seed_data" / "statuses.jsonl.gz"
# Where the recording lands (other tests may add other instances' partitions).
RECORDED_GLOB = "/lake/raw/mastodon/instance=social.lab.example/timeline=public/dt=*/hour=*/*.jsonl.gz"


def expected_ingested_ids(manifest) -> Counter:
    """What the recording should put in the raw zone under the ingestion policy, read
    straight from the file (no collector code)."""
    with gzip.open(SEED, "rb") as handle:
        entries = [json.loads(line) for line in handle.read().split(b"\n") if line.strip()]
    return Counter(entry["id"] for entry in ingestion_filter(manifest)(entries))


@pytest.fixture(scope="module")
def pipeline_run(lab_stack):
    assert main(["deploy"]) == 0
    # No scheduled run may collect while the test seeds by hand.
    runs.quiesce(AirflowAPI(lab_stack))
    assert main(["seed"]) == 0
    first = Counter(json.loads(line)["id"] for line in raw_zone_lines(RECORDED_GLOB))
    assert main(["seed"]) == 0  # nothing new on the timeline: adds nothing
    second = Counter(json.loads(line)["id"] for line in raw_zone_lines(RECORDED_GLOB))
    assert main(["run"]) == 0
    return first, second, expected_ingested_ids(lab_stack)


def test_seed_lands_exactly_the_recording_and_a_second_seed_adds_nothing(pipeline_run):
    first, second, expected = pipeline_run
    assert first == expected, f"{sum(first.values())} ids in the raw zone, {sum(expected.values())} expected"
    assert second == first
    assert max(first.values()) == 1  # no duplicate


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_equals_the_oracle_over_the_raw_zone(pipeline_run, name):
    assert_query_answers(name, expected_over_raw_zone())


def hbase_snapshot(manifest, run_id: str) -> dict:
    """The rows one run wrote (every row key names its run) and the re-identification
    mapping; the runs table without its timestamps. Rows of a scheduled run that starts
    meanwhile have other keys and stay out of the comparison."""
    import happybase

    connection = happybase.Connection(manifest.host, manifest.port("HBASE_THRIFT_PORT"), timeout=60000)
    try:
        snapshot = {}
        for table in ("rank", "accounts", "terms", "reid", "runs"):
            rows = dict(connection.table(f"mastodon:{table}").scan())
            if table != "reid":
                rows = {key: row for key, row in rows.items() if run_id.encode() in key}
            if table == "runs":
                rows = {key: {c: v for c, v in row.items() if not c.endswith(b"_at")} for key, row in rows.items()}
            snapshot[table] = rows
        return snapshot
    finally:
        connection.close()


def test_running_the_same_dag_run_again_leaves_hbase_identical(pipeline_run, lab_stack):
    api = AirflowAPI(lab_stack)
    runs.wait_idle(api)
    latest = api.get(f"/dags/{runs.DAG_ID}/dagRuns", order_by="-run_after", limit=5, state="success")["dag_runs"][0]
    # The pipeline's run id, as the DAG derives it from the data interval.
    run_id = run_id_for(datetime.fromisoformat(latest["data_interval_end"] or latest["run_after"]))
    before = hbase_snapshot(lab_stack, run_id)
    assert all(before[table] for table in ("rank", "accounts", "terms", "reid", "runs")), {t: len(r) for t, r in before.items()}
    runs.clear(api, latest["dag_run_id"])
    assert runs.wait_run(api, latest["dag_run_id"]) == "success"
    after = hbase_snapshot(lab_stack, run_id)
    for table in before:
        assert after[table] == before[table], f"mastodon:{table} changed: {len(before[table])} rows before, {len(after[table])} after"
