"""The YARN benchmark (benchmarks/yarn.py): its settings, its reading of JobHistory, its checks.

No lab: the JobHistory answers are hand-written, and run_steps is replaced by a recorder.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from labctl.jobs.streaming import streaming_argv
from labctl.pipeline import yarn

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "yarn.py"
spec = importlib.util.spec_from_file_location("bench_yarn", SCRIPT)
bench_yarn = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_yarn)


def settings(argv: list[str]) -> dict[str, str]:
    return dict(argv[i + 1].split("=", 1) for i, arg in enumerate(argv) if arg == "-D")


def test_edge_steps_gives_run_steps_the_settings_then_restores_the_builder(monkeypatch):
    submitted = []

    def run_steps(raw_glob, output_root, log):
        job = yarn.load_job()
        for number, step in enumerate(job.steps):
            log(f"submitting step {number + 1}/{len(job.steps)} ({step.name}) to YARN")
            submitted.append(yarn.streaming_argv(job, number, streaming_jar="s.jar", jobs_dir="/jobs", inputs=[raw_glob], output=f"{output_root}/{number}", input_bytes=1))
            log("the client's log")
        return [yarn.StepResult(step.name, f"{output_root}/{n}", f"application_1_000{n}") for n, step in enumerate(job.steps)]

    monkeypatch.setattr(yarn, "run_steps", run_steps)
    monkeypatch.setattr(yarn, "input_bytes", lambda glob: 42)
    result = bench_yarn.edge_steps("/bench/in", "/bench/out", {"mapreduce.job.reduces": "3"}, per_file=True)

    assert yarn.streaming_argv is streaming_argv
    assert [step["name"] for step in result["steps"]] == [step.name for step in yarn.load_job().steps]
    assert result["input_bytes"] == 42 and result["seconds"] >= sum(step["seconds"] for step in result["steps"])
    for argv in submitted:
        assert settings(argv)["mapreduce.job.reduces"] == "3"  # overrides the size-based count
        assert "-inputformat" not in argv and "stream.map.input.ignoreKey" not in settings(argv)


def test_without_settings_the_argv_is_the_pipelines():
    job = yarn.load_job()
    arguments = dict(streaming_jar="s.jar", jobs_dir="/jobs", inputs=["/in"], output="/out", input_bytes=10**9)
    assert bench_yarn.with_settings(streaming_argv, {}, False)(job, 0, **arguments) == streaming_argv(job, 0, **arguments)


def history() -> dict:
    job = {"id": "job_1_0001", "mapsTotal": 2, "reducesTotal": 1, "submitTime": 1_000, "startTime": 4_000, "finishTime": 30_000,
           "avgMapTime": 9_000, "avgShuffleTime": 5_000, "avgReduceTime": 2_500}
    tasks = [
        {"type": "MAP", "startTime": 7_000, "finishTime": 16_000},
        {"type": "MAP", "startTime": 7_500, "finishTime": 18_000},
        {"type": "REDUCE", "startTime": 9_000, "finishTime": 29_000},
    ]
    counters = {("org.apache.hadoop.mapreduce.TaskCounter", "SPILLED_RECORDS"): 262, ("Mastodon", "records_read"): 100}
    return {"job": job, "tasks": tasks, "counters": counters}


def test_job_figures_split_the_job_into_phases():
    figures = bench_yarn.job_figures(history())
    assert (figures["am_start_s"], figures["first_task_s"], figures["map_phase_s"], figures["after_maps_s"], figures["job_s"]) == (3.0, 3.0, 11.0, 12.0, 29.0)
    assert figures["reduce_tasks_s"] == [20.0] and (figures["maps"], figures["reduces"]) == (2, 1)
    assert figures["counters"]["spilled"] == 262 and figures["counters"]["records read"] == 100
    assert figures["counters"]["malformed"] == 0  # a counter never incremented is absent from JobHistory


def test_checks_compare_yarn_with_the_pipe_and_pipeline_runs_with_the_ingest():
    steps = [{"counters": {"records read": 90}}]
    result = {
        "pipe_metrics": {"totals": {"statuses": 1}},
        "yarn": {"lab defaults": {"metrics": {"totals": {"statuses": 1}}}, "tuned": {"metrics": {"totals": {"statuses": 2}}}},
        "ingest": {"files": [{"written": 90}]},
        "pipeline": {"lab defaults": {"metrics": {"a": 1}, "steps": steps}, "tuned": {"metrics": {"a": 2}, "steps": steps}},
    }
    assert bench_yarn.checks(result) == {
        "yarn (lab defaults): metrics equal to the pipe's": True,
        "yarn (tuned): metrics equal to the pipe's": False,
        "pipeline (lab defaults): read every ingested record": True,
        "pipeline (lab defaults): metrics equal to (lab defaults)": True,
        "pipeline (tuned): read every ingested record": True,
        "pipeline (tuned): metrics equal to (lab defaults)": False,
    }


def test_variants_parse():
    assert bench_yarn._variant("nospec: mapreduce.map.speculative=false a=b=c +per-file") == ("nospec", {"mapreduce.map.speculative": "false", "a": "b=c"}, True)
    for bad in ("no label", ": a=b", "x: novalue"):
        with pytest.raises(Exception):
            bench_yarn._variant(bad)


def test_dag_mode_refuses_a_shared_lab(capsys):
    with pytest.raises(SystemExit) as exit_:
        bench_yarn.main(["--dag", "10"])
    assert exit_.value.code == 2 and "--own-lab" in capsys.readouterr().err
