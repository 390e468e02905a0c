"""The benchmark script (benchmarks/jobs_local.py), on a tiny input."""

from __future__ import annotations

import importlib.util
import json

import pytest

import jobs_local as bench


@pytest.mark.parametrize("generator", ["inline", "seedgen"])
def test_benchmark_runs_both_paths_and_they_agree(tmp_path, capsys, generator):
    if generator == "seedgen" and importlib.util.find_spec("labctl.seedgen") is None:
        pytest.skip("labctl.seedgen is not installed")
    code = bench.main(["--statuses", "60", "--workers", "2", "--generator", generator, "--workdir", str(tmp_path), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["same_metrics"] is True
    assert result["statuses"] == 60 and result["input_bytes"] == (tmp_path / "statuses.jsonl").stat().st_size
    assert {"dedup pipe", "dedup map", "dedup sort", "dedup reduce", "pipe total"} <= set(result["pipe"])
    assert result["local"]["total"] > 0


def test_inline_generator_is_deterministic():
    assert list(bench.generate_lines(50, seed=3)) == list(bench.generate_lines(50, seed=3))
    assert list(bench.generate_lines(50, seed=3)) != list(bench.generate_lines(50, seed=4))


def test_benchmark_of_an_existing_input(tmp_path, capsys):
    source = tmp_path / "given.jsonl"
    bench.write_input(source, 30, seed=1)
    work = tmp_path / "work"
    assert bench.main(["--statuses", "30", "--input", str(source), "--workdir", str(work), "--json", "--workers", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["input_bytes"] == source.stat().st_size and result["generator"] == f"file {source}"
    assert not (work / "statuses.jsonl").exists()
