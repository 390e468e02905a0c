"""A student's Streaming job on the lab's YARN, submitted from the edge node.

The same command line as the pipeline's (`labctl/jobs/streaming.py`'s `streaming_argv`, with
the workspace's steps.json): the scripts are copied to the edge node, the input is put in
HDFS under /tmp/labctl-course/<id>/, each step is submitted with `hadoop jar` and followed
line by line (the application id, the map and reduce progress), and a step still running at
the deadline is killed in YARN (`yarn application -kill`), then on the edge node. Whatever
happens, the scratch directories are removed: the lab is left as it was.
"""

from __future__ import annotations

import re
import secrets
import shlex
import threading
import time
from pathlib import Path

from labctl.core import engine as eng
from labctl.core.addresses import current
from labctl.core.edge import EDGE_SERVICE, EDGE_UID, EDGE_USER
from labctl.core.errors import LabError
from labctl.core.manifest import Manifest
from labctl.course.grader import Context, NotGradable
from labctl.course.inputs import REPO, Input
from labctl.course.run import JobRun, tail
from labctl.jobs.definition import load_job
from labctl.jobs.streaming import streaming_argv

EDGE_ROOT = "/tmp/labctl-course"
HDFS_ROOT = "/tmp/labctl-course"
SEED_DATA = REPO / "seed_data"
EDGE_SEED_DATA = "/opt/lab/seed_data"  # the repository's seed_data/, mounted on the edge node
_APPLICATION = re.compile(r"(application_\d+_\d+)")
_JOB = re.compile(r"(job_\d+_\d+)")


def _edge(argv: list[str], *, check: bool = True) -> str:
    code, output = eng.exec_in(EDGE_SERVICE, argv, user=EDGE_USER, check=False)
    if check and code != 0:
        raise LabError(f"on the edge node, `{shlex.join(argv)}` failed (exit {code})", details=tail(output))
    return output


def _reachable() -> None:
    try:
        eng.service_container(eng.client(timeout=10), EDGE_SERVICE)
    except LabError as error:
        raise NotGradable("the lab's edge node is not running", hint="`labctl up`, then `labctl status`") from error
    except Exception as error:  # noqa: BLE001 - no engine at all
        raise NotGradable(f"the Docker engine cannot be reached ({type(error).__name__})", hint="`labctl doctor`") from error


def _follow(argv: list[str], deadline: float, progress) -> tuple[int | None, str, str | None]:
    """Run the client on the edge node, its output streamed; (exit code or None on timeout, output, application)."""
    engine = eng.client()
    container = eng.service_container(engine, EDGE_SERVICE)
    # From /tmp, as the pipeline submits its steps: the client may write beside itself.
    exec_id = engine.api.exec_create(container.id, argv, user=EDGE_USER, stdout=True, stderr=True, workdir="/tmp")["Id"]
    stream = engine.api.exec_start(exec_id, stream=True, demux=True)
    chunks: list[str] = []
    found: dict[str, str] = {}

    def read() -> None:
        for out, err in stream:
            for part in (out, err):
                if not part:
                    continue
                text = part.decode("utf-8", "replace")
                chunks.append(text)
                application = _APPLICATION.search(text)
                if application and "application" not in found:
                    found["application"] = application.group(1)
                    progress(f"submitted {found['application']} (ResourceManager: {current().resourcemanager}/cluster/app/{found['application']})")
                for line in text.splitlines():
                    if " map " in line and "reduce" in line and "%" in line:
                        progress(line.split("INFO", 1)[-1].strip(" :"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(max(1.0, deadline - time.monotonic()))
    if reader.is_alive():
        application = found.get("application")
        if application:
            _edge(["yarn", "application", "-kill", application], check=False)
        # The client was started under `timeout`, which ends it shortly after the deadline.
        reader.join(30)
        return None, "".join(chunks), application
    for _ in range(50):  # the stream ends a moment before the engine records the exit code
        inspect = engine.api.exec_inspect(exec_id)
        if not inspect.get("Running"):
            return inspect.get("ExitCode"), "".join(chunks), found.get("application")
        time.sleep(0.1)
    return inspect.get("ExitCode"), "".join(chunks), found.get("application")


def _on_edge(path: Path, edge_dir: str) -> str:
    """Where the edge node reads a file: the recording where seed_data/ is mounted, anything
    else copied into the run's scratch folder."""
    try:
        return f"{EDGE_SEED_DATA}/{Path(path).resolve().relative_to(SEED_DATA.resolve()).as_posix()}"
    except ValueError:
        target = f"{edge_dir}/input/{Path(path).name}"
        eng.put_file(EDGE_SERVICE, target, Path(path).read_bytes(), owner=EDGE_UID)
        return target


def run_job_on_yarn(context: Context, data: Input) -> JobRun:
    """The workspace's steps on YARN over `data`; the last step's rows."""
    _reachable()
    job = load_job(context.copy)
    run_id = f"{context.exercise.slug}-{secrets.token_hex(4)}"
    edge_dir, hdfs_dir = f"{EDGE_ROOT}/{run_id}", f"{HDFS_ROOT}/{run_id}"
    started = time.monotonic()
    deadline = started + context.timeout
    jar = f"/opt/hadoop/lib/hadoop-streaming-{Manifest()['HADOOP_VERSION']}.jar"
    try:
        for name in job.files:
            eng.put_file(EDGE_SERVICE, f"{edge_dir}/{name}", (context.copy / name).read_bytes(), owner=EDGE_UID)
        sources = [_on_edge(path, edge_dir) for path in data.files]
        _edge(["hdfs", "dfs", "-mkdir", "-p", f"{hdfs_dir}/input"])
        _edge(["hdfs", "dfs", "-put", "-f", *sources, f"{hdfs_dir}/input/"])
        inputs = [f"{hdfs_dir}/input"]
        for number, step in enumerate(job.steps):
            output = f"{hdfs_dir}/step-{number + 1}-{step.name}"
            argv = streaming_argv(job, number, streaming_jar=jar, jobs_dir=edge_dir, inputs=inputs, output=output,
                                  input_bytes=sum(Path(path).stat().st_size for path in data.files))
            context.progress(f"step {number + 1}/{len(job.steps)} ({step.name}) submitted to YARN from the edge node")
            remaining = max(1, int(deadline - time.monotonic()))
            code, log, application = _follow(["timeout", "--kill-after=10", str(remaining + 5), *argv], deadline, context.progress)
            if code is None:
                return JobRun(False, True, time.monotonic() - started,
                              error=f"step {step.name} still running at the deadline: {application or 'its application'} was killed",
                              stderr={f"{step.name}-yarn": tail(log)})
            if code != 0:
                job_id = _JOB.search(log)
                where = f": its tasks' logs are in the JobHistory, {current().jobhistory}/jobhistory/job/{job_id.group(1)}" if job_id else ""
                return JobRun(False, False, time.monotonic() - started,
                              error=f"step `{step.name}` failed on YARN (`hadoop jar` exited with {code}){where}",
                              stderr={f"{step.name}-yarn": tail(log, 3000)})
            inputs = [output]
        # stdout only: the client's log lines (stderr) must not mix with the rows.
        rows = _edge(["bash", "-c", f"hdfs dfs -cat {shlex.quote(inputs[0])}/part-* 2>/dev/null"])
        lines = [line.encode("utf-8") for line in rows.splitlines() if line.strip()]
        return JobRun(True, False, time.monotonic() - started, lines=lines)
    finally:
        _edge(["hdfs", "dfs", "-rm", "-r", "-f", "-skipTrash", hdfs_dir], check=False)
        _edge(["hdfs", "dfs", "-rmdir", "--ignore-fail-on-non-empty", HDFS_ROOT], check=False)
        # put_file made the directories as root: remove them as root.
        eng.exec_in(EDGE_SERVICE, ["rm", "-rf", edge_dir], check=False)
