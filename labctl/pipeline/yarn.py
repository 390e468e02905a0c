"""The metric jobs on YARN: Hadoop Streaming over the whole raw zone, step by step.

Only the submissions need a JVM (`hadoop jar`); sizing the input, replacing the output
folder and reading the output go through WebHDFS: each `hdfs dfs` call started a client
JVM, about 3 s of a core on the lab's two, and a DAG run made seven of them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from labctl.core import addresses as ab
from labctl.core.errors import CommandError
from labctl.core.proc import run
from labctl.jobs.definition import load_job
from labctl.jobs.streaming import streaming_argv
from labctl.pipeline import cluster
from labctl.pipeline.cluster import JOBS_DIR, STREAMING_JAR

ETL_USER = "etl"
_COUNTER = re.compile(r"^\s+([A-Za-z][\w .:-]*?)=(\d+)\s*$")


class StepFailed(CommandError):
    """A Streaming step's job client (`hadoop jar`) exited with an error."""

    def __init__(self, step: str, argv: list[str], returncode: int, output: str):
        super().__init__(argv, returncode, output, hint="its tasks' logs are in the JobHistory UI (`labctl urls`); the job client's log is above")
        self.step = step
        self.message = f"Streaming step {step} failed (exit {returncode}); see the log above and the JobHistory UI"
        self.args = (self.message,)


@dataclass
class StepResult:
    name: str
    output: str
    application: str | None
    counters: dict[str, int] = field(default_factory=dict)


def _lake(user: str = ETL_USER):
    return cluster.lake(user)


def input_bytes(glob: str) -> int:
    """Bytes under the glob's fixed part (the folder before its first wildcard): one
    WebHDFS call, where summing the matched files would list every partition. It only
    sizes the reducers, so the few manifest bytes it also counts do not matter."""
    fixed = glob.split("*", 1)[0].rsplit("/", 1)[0] or "/"
    summary = _lake().client.content(fixed, strict=False)
    return int(summary["length"]) if summary else 0


def run_steps(raw_glob: str, output_root: str, log=print) -> list[StepResult]:
    """Run every step; each step's output is the next one's input. Outputs are
    replaced, so re-running a run gives the same files (idempotent)."""
    job = load_job()
    size = input_bytes(raw_glob)
    inputs, results = [raw_glob], []
    lake = _lake()
    lake.delete(output_root, recursive=True)
    lake.client.makedirs(output_root)
    for number, step in enumerate(job.steps):
        output = f"{output_root}/step-{number + 1}-{step.name}"
        argv = streaming_argv(job, number, streaming_jar=STREAMING_JAR, jobs_dir=JOBS_DIR, inputs=inputs, output=output, input_bytes=size)
        log(f"submitting step {number + 1}/{len(job.steps)} ({step.name}) to YARN")
        # The target's name for etl: a cluster profile's [hdfs_users] may rename it.
        env = {**os.environ, "HADOOP_USER_NAME": ab.current().hdfs_user(ETL_USER)}
        # The job client logs to stderr; run() keeps it with stdout, in order.
        process = run(argv, env=env, cwd=Path("/tmp"), check=False)
        client_log = process.stdout or ""
        log(client_log[-6000:])
        if process.returncode != 0:
            raise StepFailed(step.name, argv, process.returncode, client_log)
        results.append(StepResult(step.name, output, _application(client_log), _counters(client_log)))
        inputs = [output]
    return results


def read_output(path: str) -> list[bytes]:
    """Every line of a step's output (its part-* files, in order)."""
    lake = _lake()
    parts = [entry.path for entry in lake.list_dir(path) if entry.name.startswith("part-")]
    if not parts:
        raise FileNotFoundError(f"no part-* file in {path}: did the step run?")
    return [line for part in parts for line in lake.read_bytes(part).split(b"\n") if line]


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
