"""Running a student's code: in its own process group, with a timeout, its stderr kept.

Student code may crash, hang, print garbage or chatter on stderr; none of it may crash labctl
or outlive a check. Every run here starts a new session, so on timeout the whole group (a
local MapReduce run's worker pool and the scripts it started) is killed at once.

A local Streaming run goes through `labctl.course.jobrun`, a child process that drives
labctl/jobs/local.py with the student's steps: the same map, sort, combine and reduce as
`labctl jobs run-local`, each script's stderr appended to a log the check reads afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

STDERR_TAIL = 1500
DEFAULT_TIMEOUT = 120.0  # seconds per run; `labctl course check --timeout` changes it


@dataclass
class Ran:
    argv: list[str]
    returncode: int | None  # None: killed on timeout
    stdout: bytes
    stderr: bytes
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def tail(data: bytes | str, limit: int = STDERR_TAIL) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-limit:]


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_process(
    argv: list[str],
    *,
    cwd: Path,
    timeout: float,
    stdin: bytes | Path | None = None,
    env: dict[str, str] | None = None,
) -> Ran:
    """Run argv to completion or until `timeout`; never raises for what the program does."""
    started = time.perf_counter()
    stdin_file = open(stdin, "rb") if isinstance(stdin, Path) else None
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            # This labctl first on the path: `-m labctl.course...` children and students' imports
            # of labctl find the copy that is grading, not another one installed.
            env={**os.environ, "PYTHONPATH": _labctl_path(), **(env or {})},
            stdin=stdin_file or (subprocess.PIPE if stdin is not None else subprocess.DEVNULL),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as error:
        if stdin_file:
            stdin_file.close()
        return Ran(argv, 127, b"", f"cannot start {argv[0]}: {error}".encode(), 0.0)
    try:
        stdout, stderr = process.communicate(stdin if isinstance(stdin, bytes) else None, timeout=timeout)
        returncode: int | None = process.returncode
    except subprocess.TimeoutExpired:
        _kill_group(process)
        stdout, stderr = process.communicate()
        returncode = None
    finally:
        if stdin_file:
            stdin_file.close()
    # Whatever the program started in its group (and left behind) goes with it.
    _kill_group(process)
    return Ran(argv, returncode, stdout or b"", stderr or b"", time.perf_counter() - started)


def python_argv(script: str, *args: str) -> list[str]:
    return [sys.executable, script, *args]


# -- a local Streaming run ------------------------------------------------------------------


@dataclass
class JobRun:
    ok: bool
    timed_out: bool
    seconds: float
    lines: list[bytes] = field(default_factory=list)  # the last step's output rows
    error: str = ""  # why the run failed: the failing task and its stderr tail
    stderr: dict[str, str] = field(default_factory=dict)  # "<step> <role>" -> what the scripts wrote besides counters

    @property
    def chatter(self) -> str:
        return "\n".join(f"[{role}] {text}" for role, text in self.stderr.items() if text)


def _is_reporter(line: str) -> bool:
    return line.startswith(("reporter:counter:", "reporter:status:"))


def stderr_chatter(text: str) -> str:
    """What a script wrote on stderr besides Streaming's reporter lines."""
    return "\n".join(line for line in text.splitlines() if line.strip() and not _is_reporter(line))


def run_job(workspace: Path, inputs: list[Path], *, timeout: float, workers: int = 2) -> JobRun:
    """The workspace's steps.json over `inputs`, map | sort | reduce in processes."""
    with tempfile.TemporaryDirectory(prefix="labctl-course-job-") as scratch:
        scratch_dir = Path(scratch)
        spec = {
            "workspace": str(workspace),
            "inputs": [str(path) for path in inputs],
            "workdir": str(scratch_dir / "work"),
            "logs": str(scratch_dir / "stderr"),
            "result": str(scratch_dir / "result.json"),
            "workers": workers,
        }
        (scratch_dir / "work").mkdir()
        (scratch_dir / "stderr").mkdir()
        spec_path = scratch_dir / "spec.json"
        spec_path.write_text(json.dumps(spec))
        ran = run_process([sys.executable, "-m", "labctl.course.jobrun", str(spec_path)], cwd=workspace, timeout=timeout)
        stderr = {
            log.stem: tail(stderr_chatter(log.read_text("utf-8", "replace")))
            for log in sorted((scratch_dir / "stderr").glob("*.log"))
        }
        if ran.timed_out:
            return JobRun(False, True, ran.seconds, error=f"no result after {timeout:.0f} s: killed", stderr=stderr)
        result_path = scratch_dir / "result.json"
        if not result_path.exists():
            return JobRun(False, False, ran.seconds, error=f"the local runner failed: {tail(ran.stderr)}", stderr=stderr)
        result = json.loads(result_path.read_text())
        if not result["ok"]:
            return JobRun(False, False, ran.seconds, error=result["error"], stderr=stderr)
        lines: list[bytes] = []
        for part in result["parts"]:
            lines.extend(Path(part).read_bytes().splitlines())
        return JobRun(True, False, ran.seconds, lines=lines, stderr=stderr)


def _labctl_path() -> str:
    """The directory holding this labctl, first on the child's path (a worktree over an install)."""
    root = str(Path(__file__).resolve().parents[2])
    rest = os.environ.get("PYTHONPATH")
    return f"{root}{os.pathsep}{rest}" if rest else root
