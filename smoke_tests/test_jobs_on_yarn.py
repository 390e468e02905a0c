"""The metric jobs on YARN (Hadoop Streaming) give the independent oracle's numbers
on the recorded data set (its three timelines, one input)."""

from __future__ import annotations

import math
import uuid

from labctl import oracle
from conftest import edge
from labctl.jobs.definition import load_job
from labctl.jobs.output import metrics_from_output
from labctl.jobs.streaming import streaming_argv

from recording import EDGE_RECORDINGS, FILES
EDGE_JOBS = "/opt/lab/src/jobs"


def assert_same(actual, expected, path="metrics"):
    """Equal, with floats compared to 1e-9 relative (JSON round trips)."""
    if isinstance(expected, float) or isinstance(actual, float):
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {actual} != {expected}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: not an object"
        assert set(actual) == set(expected), f"{path}: keys differ: only in jobs {sorted(set(actual) - set(expected))[:5]}, only in oracle {sorted(set(expected) - set(actual))[:5]}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{path}.{key}")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def metrics_on_yarn(lab_stack, inputs: list[str], input_bytes: int, hdfs_user: str = "airflow") -> dict:
    """The metric job's steps submitted to YARN one after the other, as the pipeline chains
    them, over HDFS `inputs` (read as `hdfs_user`: etl for the raw zone); the metrics
    document parsed from the last step's output."""
    as_user = ["env", f"HADOOP_USER_NAME={hdfs_user}"]
    job = load_job()
    run = f"/tmp/yarn-metrics-{uuid.uuid4().hex[:8]}"
    jar = "/opt/hadoop/lib/hadoop-streaming-" + lab_stack["HADOOP_VERSION"] + ".jar"
    try:
        for number in range(len(job.steps)):
            output = f"{run}/step-{number + 1}"
            argv = streaming_argv(job, number, streaming_jar=jar, jobs_dir=EDGE_JOBS, inputs=inputs, output=output, input_bytes=input_bytes)
            edge(["bash", "-c", "cd /tmp && exec \"$@\"", "submit", *as_user, *argv])
            inputs = [output]
        # stderr (client logging) must not interleave with the rows: keep stdout only.
        lines = edge(["bash", "-c", f"HADOOP_USER_NAME={hdfs_user} hdfs dfs -cat '{inputs[0]}/part-*' 2>/dev/null"]).encode().split(b"\n")
        return metrics_from_output(line for line in lines if b"\t" in line)
    finally:
        edge([*as_user, "hdfs", "dfs", "-rm", "-r", "-f", "-skipTrash", run], check=False)


def test_yarn_run_of_the_recorded_data_equals_the_oracle(lab_stack):
    raw = f"/tmp/yarn-raw-{uuid.uuid4().hex[:8]}"
    edge(["hdfs", "dfs", "-mkdir", "-p", raw])
    edge(["hdfs", "dfs", "-put", *(f"{EDGE_RECORDINGS}/{path.name}" for path in FILES), f"{raw}/"])
    try:
        on_yarn = metrics_on_yarn(lab_stack, [raw], sum(path.stat().st_size for path in FILES))
    finally:
        edge(["hdfs", "dfs", "-rm", "-r", "-skipTrash", raw])
    assert_same(on_yarn, oracle.compute(FILES))
    assert on_yarn["totals"]["statuses"] > 10_000
