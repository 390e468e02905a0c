"""`labctl data generate`, driven through its Typer sub-app."""

from __future__ import annotations

import gzip
import json

from typer.testing import CliRunner

from labctl.commands.data import app
from labctl.seedgen import RECORDED_INSTANCES

runner = CliRunner()


def test_generate_writes_one_file_per_recorded_instance_and_prints_a_summary(tmp_path):
    out = tmp_path / "set"
    result = runner.invoke(app, ["generate", "--statuses", "250", "--seed", "9", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{i}.jsonl.gz" for i in RECORDED_INSTANCES)
    lines = {p.name: gzip.decompress(p.read_bytes()).count(b"\n") for p in out.iterdir()}
    assert sum(lines.values()) == summary["lines"] >= 250  # a status some instances share is in each
    assert {f["instance"]: f["lines"] for f in summary["files"]} == {n.removesuffix(".jsonl.gz"): c for n, c in lines.items()}


def test_a_file_name_takes_every_recorded_timeline_merged(tmp_path):
    runner.invoke(app, ["generate", "--statuses", "250", "--seed", "9", "--out", str(tmp_path / "set")])
    result = runner.invoke(app, ["generate", "--statuses", "250", "--seed", "9", "--out", str(tmp_path / "x.jsonl.gz"), "--json"])
    assert result.exit_code == 0, result.output
    merged = gzip.decompress((tmp_path / "x.jsonl.gz").read_bytes()).splitlines()
    apart = [gzip.decompress((tmp_path / "set" / f"{i}.jsonl.gz").read_bytes()).splitlines() for i in RECORDED_INSTANCES]
    assert sorted(merged) == sorted(line for lines in apart for line in lines)
    for lines in apart:  # each timeline keeps its order inside the merged file
        assert [line for line in merged if line in set(lines)] == lines
    summary = json.loads(result.output)
    assert [f["instance"] for f in summary["files"]] == [", ".join(RECORDED_INSTANCES)]


def test_one_instance_makes_one_file(tmp_path):
    out = tmp_path / "set.jsonl.gz"
    result = runner.invoke(app, ["generate", "--statuses", "250", "--seed", "9", "--out", str(out), "--instance", "one.test"])
    assert result.exit_code == 0, result.output
    assert "distinct statuses" in result.output and "set.jsonl.gz" in result.output
    assert len(gzip.decompress(out.read_bytes()).split(b"\n")) == 251  # 250 lines and the final newline


def test_generate_with_parameters_and_expected_metrics(tmp_path):
    out, expected = tmp_path / "page.json", tmp_path / "expected.json"
    result = runner.invoke(
        app,
        [
            "generate", "--statuses", "300", "--out", str(out), "--profile", "hostile", "--accounts", "50",
            "--boost-ratio", "0.3", "--languages", "de=3,null=1", "--instance", "lab.test",
            "--end", "2025-06-01T12:00:00Z", "--expected", str(expected), "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    page = json.loads(out.read_bytes())
    assert summary["format"] == "json" and len(page) == summary["lines"]
    statuses = [s for s in page if isinstance(s, dict) and "created_at" in s]
    assert statuses[0]["created_at"] == "2025-06-01T12:00:00.000Z"
    assert json.loads(expected.read_text())["totals"]["malformed"] == summary["malformed"]


def test_bad_options_fail_with_a_message_naming_them(tmp_path):
    cases = {
        ("--profile", "nasty"): "unknown profile 'nasty'",
        ("--languages", "en=1,de"): "bad language weight 'de'",
        ("--reply-ratio", "3"): "reply_ratio",
        ("--end", "noon"): "not an ISO 8601 datetime",
    }
    for extra, message in cases.items():
        result = runner.invoke(app, ["generate", "--statuses", "20", "--out", str(tmp_path / "x.jsonl"), *extra])
        assert result.exit_code == 1, extra
        assert message in " ".join(result.output.split()), (extra, result.output)
    result = runner.invoke(app, ["generate", "--statuses", "20", "--out", str(tmp_path / "x.csv"), "--instance", "a.test"])
    assert result.exit_code == 1 and "cannot tell the format" in result.output
    assert not list(tmp_path.iterdir())
