"""The whole pipeline on the lab: deploy, one DAG run through Airflow that collects the three
recorded instances' timelines (one mapped collect per feed) through the replay server, a seed
by hand that then adds nothing, and every `labctl query --json` equal to the independent
oracle computed over the same raw zone."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import datetime
from types import SimpleNamespace

import pytest

from labctl.cli import main
from labctl.core import addresses as ab
from labctl.core import clients, runs
from labctl.core.airflow_api import AirflowAPI
from labctl.pipeline.feeds import declared_feeds
from labctl.pipeline.steps import run_id_for
from policy import ingestion_filter
from queries import QUERIES, RAW_GLOB, assert_query_answers, expected_over_raw_zone, raw_zone_lines  # noqa: F401 (RAW_GLOB: other tests import it from here)
from recording import RECORDED_INSTANCES, recorded_file, recorded_glob


def expected_ingested_ids(manifest, instance: str) -> Counter:
    """What an instance's recorded timeline should put in its partition under the ingestion
    policy, read straight from its file (no collector code)."""
    with gzip.open(recorded_file(instance), "rb") as handle:
        entries = [json.loads(line) for line in handle.read().split(b"\n") if line.strip()]
    return Counter(entry["id"] for entry in ingestion_filter(manifest)(entries))


def landed() -> dict[str, Counter]:
    return {instance: Counter(json.loads(line)["id"] for line in raw_zone_lines(recorded_glob(instance), missing_ok=True))
            for instance in RECORDED_INSTANCES}


def latest_manual_run(api: AirflowAPI) -> dict:
    listed = api.get(f"/dags/{runs.DAG_ID}/dagRuns", order_by="-run_after", limit=20)["dag_runs"]
    return next(run for run in listed if run.get("run_type") == "manual")


@pytest.fixture(scope="module")
def pipeline_run(lab_stack):
    assert main(["deploy"]) == 0
    api = AirflowAPI(lab_stack)
    # The declared feeds are the default ones (another test that changes them restores them).
    feeds, default = declared_feeds(api, lab_stack["PIPELINE_FEEDS"])
    assert {feed.label for feed in feeds} == {f"{instance} public" for instance in RECORDED_INSTANCES}, feeds
    runs.quiesce(api)  # no scheduled run collects while the test counts
    before = landed()
    assert main(["run"]) == 0  # one run: every declared feed, then the jobs over the raw zone
    run = latest_manual_run(api)
    state = runs.poll(api, run["dag_run_id"])
    collects = {i.label: (i.state, runs.xcom(api, run["dag_run_id"], "collect", i.map_index) or {})
                for i in state.instances if i.task_id == "collect"}
    after_run = landed()
    runs.quiesce(api)  # the seed by hand must not race a scheduled run
    assert main(["seed"]) == 0  # nothing new on the timelines: adds nothing
    after_seed = landed()
    expected = {instance: expected_ingested_ids(lab_stack, instance) for instance in RECORDED_INSTANCES}
    return SimpleNamespace(before=before, collects=collects, after_run=after_run, after_seed=after_seed, expected=expected)


def test_one_run_collects_the_three_recorded_feeds(pipeline_run):
    """Three partitions, each exactly its timeline; what each feed's collect task says it wrote
    is what its partition gained during the run (all of it on a new lab, nothing on one seeded
    before)."""
    assert set(pipeline_run.collects) == {f"{instance} public" for instance in RECORDED_INSTANCES}
    for instance in RECORDED_INSTANCES:
        state, result = pipeline_run.collects[f"{instance} public"]
        assert state == "success" and result.get("instance") == instance, (instance, state, result)
        gained = sum(pipeline_run.after_run[instance].values()) - sum(pipeline_run.before[instance].values())
        assert result["written"] == gained, instance
        landed_ids, expected = pipeline_run.after_run[instance], pipeline_run.expected[instance]
        assert landed_ids == expected, f"{instance}: {sum(landed_ids.values())} ids landed, {sum(expected.values())} expected"
        assert max(landed_ids.values()) == 1  # no duplicate


def test_a_seed_after_the_run_adds_nothing(pipeline_run):
    assert pipeline_run.after_seed == pipeline_run.after_run


@pytest.fixture(scope="module")
def expected(pipeline_run) -> dict:
    """The oracle over the raw zone once for every query: the DAG stays paused meanwhile, so the
    zone cannot change (each query reading and computing it again cost about 4 s)."""
    return expected_over_raw_zone()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_equals_the_oracle_over_the_raw_zone(expected, name):
    assert_query_answers(name, expected)


def hbase_snapshot(manifest, run_id: str) -> dict:
    """The rows one run wrote (every row key names its run) and the re-identification
    mapping; the runs table without its timestamps. Rows of a scheduled run that starts
    meanwhile have other keys and stay out of the comparison."""
    connection = clients.thrift(addresses=ab.lab_from_host(manifest), timeout=60)
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
    runs.unpause(api)  # the fixture's seed left the DAG paused, and a paused DAG's runs never start
    runs.clear(api, latest["dag_run_id"])
    assert runs.wait_run(api, latest["dag_run_id"]) == "success"
    after = hbase_snapshot(lab_stack, run_id)
    for table in before:
        assert after[table] == before[table], f"mastodon:{table} changed: {len(before[table])} rows before, {len(after[table])} after"
