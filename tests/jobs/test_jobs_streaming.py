"""The Hadoop Streaming command line of each step (labctl/jobs/streaming.py)."""

from __future__ import annotations

import ast

import pytest

from labctl.jobs.definition import JOBS_DIR, load_job
from labctl.jobs.streaming import COMBINE_FORMAT, DEFAULT_SPLIT_BYTES, PARALLEL_TASKS, split_bytes_for
from labctl.jobs.streaming import DEFAULT_BYTES_PER_REDUCER as PER, reducers_for, streaming_argv

JOB = load_job()


def argv_for(step_number: int, **overrides) -> list[str]:
    arguments = dict(
        streaming_jar="/opt/hadoop/share/hadoop/tools/lib/hadoop-streaming-3.4.1.jar",
        jobs_dir="/opt/lab/jobs",
        inputs=["/lake/raw/statuses/2024-05-01", "/lake/raw/statuses/2024-05-02"],
        output="/lake/tmp/run-1/dedup",
        input_bytes=3 * PER // 2,
    )
    return streaming_argv(JOB, step_number, **{**arguments, **overrides})


def options(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == flag]


def settings_of(argv: list[str]) -> dict[str, str]:
    """The job's -D settings, by name."""
    return dict(d.split("=", 1) for d in options(argv, "-D"))


def test_generic_options_come_before_streaming_options():
    argv = argv_for(0)
    assert argv[:3] == ["hadoop", "jar", "/opt/hadoop/share/hadoop/tools/lib/hadoop-streaming-3.4.1.jar"]
    assert max(i for i, a in enumerate(argv) if a in ("-D", "-files")) < argv.index("-mapper")


def test_settings():
    settings = settings_of(argv_for(0))
    assert settings["mapreduce.job.name"] == f"{JOB.name} 1/{len(JOB.steps)} {JOB.steps[0].name}"
    assert settings["mapreduce.job.reduces"] == "2"
    assert settings["mapreduce.map.output.compress"] == "true"
    assert settings["mapreduce.map.output.compress.codec"] == "org.apache.hadoop.io.compress.SnappyCodec"
    assert settings["stream.num.map.output.key.fields"] == str(JOB.steps[0].key_fields)


def test_small_batches_share_map_tasks_and_mappers_get_lines_without_offsets():
    argv = argv_for(0, input_bytes=5 * 1024 * 1024)
    settings = settings_of(argv)
    assert settings["mapreduce.input.fileinputformat.split.maxsize"] == str(DEFAULT_SPLIT_BYTES)
    assert settings["stream.map.input.ignoreKey"] == "true"
    assert options(argv, "-inputformat") == [COMBINE_FORMAT] and argv.index("-files") < argv.index("-inputformat") < argv.index("-mapper")


def test_a_large_input_runs_one_map_per_core():
    big = 2_810_876_579  # 1M generated statuses
    settings = settings_of(argv_for(0, input_bytes=big))
    assert int(settings["mapreduce.input.fileinputformat.split.maxsize"]) * PARALLEL_TASKS >= big
    assert split_bytes_for(big, parallel_maps=4) == -(-big // 4)
    assert split_bytes_for(DEFAULT_SPLIT_BYTES * PARALLEL_TASKS + 1) == DEFAULT_SPLIT_BYTES + 1
    assert split_bytes_for(DEFAULT_SPLIT_BYTES * PARALLEL_TASKS) == DEFAULT_SPLIT_BYTES


def test_one_map_per_file_on_request():
    argv = argv_for(0, split_bytes=None)
    settings = settings_of(argv)
    assert "-inputformat" not in argv and "stream.map.input.ignoreKey" not in settings
    assert "mapreduce.input.fileinputformat.split.maxsize" not in settings


def test_a_split_size_of_zero_is_refused():
    with pytest.raises(ValueError, match="split_bytes"):
        argv_for(0, split_bytes=0)
    with pytest.raises(ValueError, match="parallel_maps"):
        argv_for(0, parallel_maps=0)


@pytest.mark.parametrize("number", range(len(JOB.steps)))
def test_combiner_and_reducer_output_keep_the_whole_key(number):
    # Streaming parses a combiner's output with the reducer's key-field count: with the default
    # (1) combined rows would sort on their kind alone and reach the reducer out of order.
    settings = settings_of(argv_for(number))
    assert settings["stream.num.reduce.output.key.fields"] == str(JOB.steps[number].key_fields) == settings["stream.num.map.output.key.fields"]


@pytest.mark.parametrize("number", range(len(JOB.steps)))
def test_each_step_runs_its_scripts(number):
    step, argv = JOB.steps[number], argv_for(number)
    assert options(argv, "-mapper") == [step.mapper]
    assert options(argv, "-combiner") == ([step.combiner] if step.combiner else [])
    assert options(argv, "-reducer") == [step.reducer]
    assert options(argv, "-input") == ["/lake/raw/statuses/2024-05-01", "/lake/raw/statuses/2024-05-02"]
    assert options(argv, "-output") == ["/lake/tmp/run-1/dedup"]
    assert options(argv, "-files") == [",".join(f"/opt/lab/jobs/{name}" for name in JOB.files)]


def test_shipped_files_cover_every_script_and_sibling_import():
    shipped = set(JOB.files)
    commands = [c for step in JOB.steps for c in (step.mapper, step.combiner, step.reducer) if c and c != "cat"]
    assert {command.split()[1] for command in commands} <= shipped
    for name in shipped:
        tree = ast.parse((JOBS_DIR / name).read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        siblings = {f"{module}.py" for module in imported if (JOBS_DIR / f"{module}.py").exists()}
        assert siblings <= shipped, f"{name} imports {siblings - shipped}, which -files does not ship"


@pytest.mark.parametrize(
    ("input_bytes", "expected"),
    [(0, 1), (1, 1), (PER, 1), (PER + 1, 2), (3 * PER, 2), (100 * PER, PARALLEL_TASKS)],
)
def test_reducers_from_input_size(input_bytes, expected):
    assert reducers_for(input_bytes) == expected


def test_reducer_bounds_and_overrides():
    assert reducers_for(10 * PER, max_reducers=8) == 8
    assert reducers_for(10, bytes_per_reducer=3, max_reducers=8) == 4
    settings = settings_of(argv_for(0, properties={"mapreduce.job.reduces": "7", "x.y": "z"}))
    assert settings["mapreduce.job.reduces"] == "7" and settings["x.y"] == "z"


@pytest.mark.parametrize(
    "bad",
    [dict(input_bytes=-1), dict(inputs=[]), dict(bytes_per_reducer=0), dict(max_reducers=0)],
)
def test_invalid_arguments(bad):
    with pytest.raises(ValueError):
        argv_for(0, **bad)


def test_unknown_step():
    with pytest.raises(ValueError, match="does not exist"):
        argv_for(len(JOB.steps))


def test_scripts_import_their_siblings_in_yarns_file_layout(tmp_path):
    """YARN links each -files entry from its own cache directory into the task's directory."""
    import os
    import subprocess
    import sys

    container = tmp_path / "container"
    container.mkdir()
    for number, name in enumerate(JOB.files):
        cache = tmp_path / "filecache" / str(number)
        cache.mkdir(parents=True)
        (cache / name).write_bytes((JOBS_DIR / name).read_bytes())
        (container / name).symlink_to(cache / name)
    argv = argv_for(0)
    environment = dict(pair.split("=", 1) for pair in options(argv, "-cmdenv"))
    raw = b'{"id": "1", "account": {"acct": "a@b.example"}}\n'
    script = options(argv, "-mapper")[0].split()
    run = subprocess.run(
        [sys.executable, *script[1:]], cwd=container, input=raw, capture_output=True, env={**os.environ, **environment}
    )
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.startswith(b"status\t1\t")


def test_small_jobs_may_run_uberized_and_a_lesson_can_turn_it_off():
    assert "mapreduce.job.ubertask.enable=true" in options(argv_for(0), "-D")
    assert "mapreduce.job.ubertask.enable=false" in options(argv_for(0, uber=False), "-D")


def test_the_client_polls_its_job_at_the_interval_streaming_reads():
    # Streaming's client prints progress (Job.monitorAndPrintJob), whose loop sleeps the
    # progress interval, 1 s unless set: a completion interval alone changed nothing.
    settings = settings_of(argv_for(0))
    assert int(settings["mapreduce.client.progressmonitor.pollinterval"]) <= 250
    assert int(settings["yarn.app.mapreduce.am.scheduler.heartbeat.interval-ms"]) <= 250
