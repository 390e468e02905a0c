"""The whole pipeline on the lab: deploy, seed from the recording through the replay
server, run the DAG through Airflow, and every `labctl query --json` equals the
independent oracle computed over the same raw zone."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

import oracle
from conftest import edge
from labctl.cli import app, main
from labctl.core import runs
from labctl.core.airflow_api import AirflowAPI
from test_jobs_on_yarn import assert_same

SEED = Path(__file__).resolve().parent.parent / "seed_data" / "statuses.jsonl.gz"
RAW_GLOB = "/lake/raw/mastodon/instance=*/timeline=*/dt=*/hour=*/*.jsonl.gz"
# Where the recording lands (other tests may add other instances' partitions).
RECORDED_GLOB = "/lake/raw/mastodon/instance=social.lab.example/timeline=public/dt=*/hour=*/*.jsonl.gz"
QUERIES = {
    "top-users": "followers",
    "engagement": "engagement",
    "user-growth": "user_growth",
    "top-urls": "urls",
    "top-domains": "domains",
    "languages": "languages",
    "media": "media_types",
    "top-tags": "tags",
    "top-mentions": "mentions",
    "top-emojis": "emojis",
    "totals": "totals",
}


def expected_ingested_ids() -> Counter:
    """What the recording should put in the raw zone under the default noindex policy,
    read straight from the file (no collector code)."""
    ids = Counter()
    with gzip.open(SEED, "rb") as handle:
        for line in handle.read().split(b"\n"):
            if not line.strip():
                continue
            status = json.loads(line)
            authors = [status["account"]] + ([status["reblog"]["account"]] if status.get("reblog") else [])
            if not any(author.get("noindex") is True for author in authors):
                ids[status["id"]] += 1
    return ids


def raw_zone_lines(glob: str = RAW_GLOB) -> list[bytes]:
    text = edge(["bash", "-c", f"HADOOP_USER_NAME=etl hdfs dfs -text '{glob}' 2>/dev/null"])
    return [line for line in text.encode().split(b"\n") if line.strip()]


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
    return first, second


def test_seed_lands_exactly_the_recording_and_a_second_seed_adds_nothing(pipeline_run):
    first, second = pipeline_run
    expected = expected_ingested_ids()
    assert first == expected, f"{sum(first.values())} ids in the raw zone, {sum(expected.values())} expected"
    assert second == first
    assert max(first.values()) == 1  # no duplicate


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_equals_the_oracle_over_the_raw_zone(pipeline_run, name):
    expected = oracle.compute([b"\n".join(raw_zone_lines()) + b"\n"])
    result = CliRunner().invoke(app, ["query", name, "--json", "--reveal", "--limit", "1000000"])
    assert result.exit_code == 0, result.output
    answered = json.loads(result.stdout)
    key = QUERIES[name]
    assert key in answered, f"labctl query {name} --json has no {key!r}"
    for field, value in answered.items():
        if field == "totals":
            assert_same(value, {k: expected["totals"][k] for k in value}, f"{name}.totals")
        elif field in expected:
            assert_same(value, expected[field], f"{name}.{field}")

