"""Child process of `labctl.course.run.run_job`: a student's steps through the local runner.

    python -m labctl.course.jobrun SPEC.json

Reads the workspace's steps.json (the format of jobs/steps.json), points every `python3`
command at this interpreter with its stderr appended to a log per step and role, runs
labctl/jobs/local.py's `run_local` and writes a small result file. It runs in a session of
its own, so the parent can kill it and every process it started at once.
"""

from __future__ import annotations

import json
import shlex
import sys
import traceback
from dataclasses import replace
from pathlib import Path

from labctl.jobs.definition import Job, load_job
from labctl.jobs.local import JobFailed, run_local


def logged(command: str | None, log: Path) -> str | None:
    """`python3 script.py args` as `sh -c 'exec <this python> script.py args 2>>log'`."""
    if command is None:
        return None
    argv = shlex.split(command)
    if argv and argv[0] == "python3":
        argv = [sys.executable, *argv[1:]]
    return shlex.join(["sh", "-c", f"exec {shlex.join(argv)} 2>>{shlex.quote(str(log))}"])


def with_logs(job: Job, logs: Path) -> Job:
    steps = tuple(
        replace(
            step,
            mapper=logged(step.mapper, logs / f"{step.name}-map.log"),
            combiner=logged(step.combiner, logs / f"{step.name}-combine.log"),
            reducer=logged(step.reducer, logs / f"{step.name}-reduce.log"),
        )
        for step in job.steps
    )
    return replace(job, steps=steps)


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    result_path = Path(spec["result"])
    workspace = Path(spec["workspace"])
    try:
        job = with_logs(load_job(workspace), Path(spec["logs"]))
        run = run_local([Path(p) for p in spec["inputs"]], Path(spec["workdir"]), workers=spec["workers"],
                        jobs_dir=workspace, job=job)
        result = {"ok": True, "parts": [str(part) for part in run.output], "seconds": run.seconds}
    except JobFailed as error:
        result = {"ok": False, "error": str(error)}
    except ValueError as error:  # steps.json unreadable, no input
        result = {"ok": False, "error": str(error)}
    except Exception:  # noqa: BLE001 - reported to the check, never a crash of labctl
        result = {"ok": False, "error": "the local runner failed:\n" + traceback.format_exc(limit=3)}
    result_path.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
