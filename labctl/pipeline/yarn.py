"""The metric jobs on YARN: Hadoop Streaming over the whole raw zone, step by step."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

from labctl.jobs.definition import load_job
from labctl.jobs.streaming import streaming_argv
from labctl.pipeline.cluster import JOBS_DIR, STREAMING_JAR

ETL_USER = "etl"
_COUNTER = re.compile(r"^\s+([A-Za-z][\w .:-]*?)=(\d+)\s*$")


@dataclass
class StepResult:
    name: str
    output: str
    application: str | None
    counters: dict[str, int] = field(default_factory=dict)


def hdfs(*args: str, user: str = ETL_USER, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HADOOP_USER_NAME": user}
    result = subprocess.run(["hdfs", "dfs", *args], env=env, text=True, capture_output=True)
    if check and result.returncode != 0:
        # The client's own words (permission, safe mode...) belong in the task's error.
        raise RuntimeError(f"hdfs dfs {' '.join(args)} failed (exit {result.returncode}) as {user}: {result.stderr.strip()[-1500:]}")
    return result


def input_bytes(glob: str) -> int:
    result = hdfs("-du", "-s", glob, check=False)
    return sum(int(line.split()[0]) for line in result.stdout.splitlines() if line.strip() and line.split()[0].isdigit())


def run_steps(raw_glob: str, output_root: str, log=print) -> list[StepResult]:
    """Run every step; each step's output is the next one's input. Outputs are
    replaced, so re-running a run gives the same files (idempotent)."""
    job = load_job()
    size = input_bytes(raw_glob)
    inputs, results = [raw_glob], []
    hdfs("-rm", "-r", "-f", "-skipTrash", output_root)
    hdfs("-mkdir", "-p", output_root)
    for number, step in enumerate(job.steps):
        output = f"{output_root}/step-{number + 1}-{step.name}"
        argv = streaming_argv(job, number, streaming_jar=STREAMING_JAR, jobs_dir=JOBS_DIR, inputs=inputs, output=output, input_bytes=size)
        log(f"submitting step {number + 1}/{len(job.steps)} ({step.name}) to YARN")
        env = {**os.environ, "HADOOP_USER_NAME": ETL_USER}
        process = subprocess.run(argv, env=env, text=True, capture_output=True, cwd="/tmp")
        log(process.stderr[-6000:])
        if process.returncode != 0:
            raise RuntimeError(f"Streaming step {step.name} failed (exit {process.returncode}); see the log above and the JobHistory UI")
        results.append(StepResult(step.name, output, _application(process.stderr), _counters(process.stderr)))
        inputs = [output]
    return results


def read_output(path: str) -> list[bytes]:
    env = {**os.environ, "HADOOP_USER_NAME": ETL_USER}
    data = subprocess.run(["hdfs", "dfs", "-cat", f"{path}/part-*"], env=env, capture_output=True, check=True).stdout
    return [line for line in data.split(b"\n") if line]


def _application(log: str) -> str | None:
    match = re.search(r"(application_\d+_\d+)", log)
    return match.group(1) if match else None


def _counters(log: str) -> dict[str, int]:
    """The job client prints its counters at the end of its log, one `name=value` a line."""
    counters = {}
    for line in log.splitlines():
        match = _COUNTER.match(line)
        if match:
            counters[match.group(1).strip()] = int(match.group(2))
    return counters
