"""What several smoke tests check after a DAG run: every `labctl query --json` answer equals
the oracle over the raw zone as it is in HDFS."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from labctl import oracle
from conftest import edge
from labctl.oracle.answers import LIST_QUERIES
from labctl.cli import app
from test_jobs_on_yarn import assert_same

RAW_GLOB = "/lake/raw/mastodon/instance=*/timeline=*/dt=*/hour=*/*.jsonl.gz"
# Each query and the section of the metrics document it answers: the ranked lists
# (labctl/oracle/answers.py) and the others.
QUERIES = {
    **LIST_QUERIES, "user-growth": "user_growth", "languages": "languages", "media": "media_types",
    "media-engagement": "media_engagement", "totals": "totals",
}  # fmt: skip


def raw_zone_lines(glob: str = RAW_GLOB, *, missing_ok: bool = False) -> list[bytes]:
    """The lines of the batches `glob` matches; none when nothing matches and `missing_ok`
    (a partition not collected yet)."""
    if missing_ok and not edge(["bash", "-c", f"HADOOP_USER_NAME=etl hdfs dfs -ls '{glob}' 2>/dev/null; true"]).strip():
        return []
    text = edge(["bash", "-c", f"HADOOP_USER_NAME=etl hdfs dfs -text '{glob}' 2>/dev/null"])
    return [line for line in text.encode().split(b"\n") if line.strip()]


def expected_over_raw_zone() -> dict:
    return oracle.compute([b"\n".join(raw_zone_lines()) + b"\n"])


def query(name: str, *args: str) -> dict:
    result = CliRunner().invoke(app, ["query", name, "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_query_answers(name: str, expected: dict) -> None:
    """`labctl query NAME` (handles revealed, no top-N cut) says what `expected` says;
    for `languages`, also `languages --region R` for every region of `expected`."""
    answered = query(name, "--reveal", "--limit", "1000000")
    assert QUERIES[name] in answered, f"labctl query {name} --json has no {QUERIES[name]!r}"
    if name == "languages":
        assert expected["regions"], "no region to ask about"
        for region, statuses in expected["regions"].items():
            by_region = query(name, "--region", region, "--limit", "1000000")
            assert_same(by_region["regions"], {region: statuses}, f"languages --region {region}")
            assert_same(by_region["language_by_region"], {region: expected["language_by_region"][region]}, f"languages --region {region}")
            assert list(by_region["language_by_region"][region]) == list(expected["language_by_region"][region]), region
    for field, value in answered.items():
        if field == "totals":
            assert_same(value, {k: expected["totals"][k] for k in value}, f"{name}.totals")
        elif field in expected:
            assert_same(value, expected[field], f"{name}.{field}")
