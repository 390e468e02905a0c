"""The lab guide, run as written: every ```console command of docs/lab-guide/en/NN-*.md
against the running lab, each output checked against the ```output block that follows it.
The French guide runs the very same commands with the very same expected output
(tests/lab_guide/test_guide_files.py proves it, command by command), so running it too
would only run everything twice.

One bash per exercise file, started at the repository root with the venv's bin first on
PATH, as a student's terminal would be. The conventions are in smoke_tests/guide.py and
docs/lab-guide/README.md. An exercise works in the scratch space /tmp/lab-guide (on the
host, on the edge node and in HDFS) and must leave none of it behind: cleaning up is one
of its steps.

The file's name puts it after the pipeline tests and before test_z_faults_workers.py:
exercise 8 erases an account for good, which the pipeline tests' expectations do not allow for.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
import requests

from labctl.core import addresses as ab
from labctl.core import engine
from labctl.core.edge import EDGE_SERVICE  # where `labctl exec` runs by default
from labctl.core.errors import LabError
from labctl.core.manifest import Manifest

from guide import Command, GuideShell, missing_lines, parse_guide

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "lab-guide"
EXERCISES = sorted(GUIDE.glob("en/[0-9][0-9]-*.md"))
SCRATCH = "/tmp/lab-guide"
# Exercise 6 deploys a DAG by copying it into dags/, which the lab's Airflow reads: a failed run
# must not leave it there.
GUIDE_DAG = ROOT / "dags" / "lab_guide_hello.py"
EDGE_HDFS_USER = "airflow"  # its HADOOP_USER_NAME: the owner of what the exercises write
# Tools the guide's commands use besides labctl; missing ones are named up front.
TOOLS = ("bash", "curl", "jq", "patch", "zcat", "docker")
COMMAND_TIMEOUT = 600  # the longest step is a YARN job, about a minute on a 2-core machine
OUTPUT_TAIL = 4000  # characters of output quoted in a failure


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("COLUMNS", "120")  # Rich sizes its tables from it when there is no terminal
    return env


def _on_edge(argv: list[str]) -> int:
    """Exit status of a command on the edge node."""
    return engine.exec_in(EDGE_SERVICE, argv, check=False)[0]


class Scratch:
    """The scratch space in its three places. HDFS goes through WebHDFS, not `hdfs dfs`: a
    JVM per check would cost seconds on every test."""

    def __init__(self, manifest: Manifest):
        self.webhdfs = f"{ab.lab_from_host(manifest).namenode}/webhdfs/v1{SCRATCH}"

    def _hdfs(self, method: str, **params: str) -> requests.Response:
        response = requests.request(method, self.webhdfs, params={"user.name": EDGE_HDFS_USER, **params}, timeout=30)
        if response.status_code not in (200, 404):
            response.raise_for_status()
        return response

    def left(self) -> list[str]:
        """Where it still exists."""
        left = [f"host:{SCRATCH}"] if Path(SCRATCH).exists() else []
        if GUIDE_DAG.exists():
            left.append(str(GUIDE_DAG.relative_to(ROOT)))
        if _on_edge(["test", "-e", SCRATCH]) == 0:
            left.append(f"edge node:{SCRATCH}")
        if self._hdfs("GET", op="GETFILESTATUS").status_code == 200:
            left.append(f"hdfs:{SCRATCH}")
        return left

    def clear(self) -> None:
        GUIDE_DAG.unlink(missing_ok=True)
        shutil.rmtree(SCRATCH, ignore_errors=True)
        _on_edge(["rm", "-rf", SCRATCH])
        self._hdfs("DELETE", op="DELETE", recursive="true")


@pytest.fixture
def scratch(lab_stack):
    """No leftovers of an earlier, failed run; and none of this one for the next test."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the lab guide needs {', '.join(missing)} on the host (apt-get install curl jq patch)")
    space = Scratch(lab_stack)
    space.clear()
    yield space
    # Best effort: a lab that went away during the test has already failed it.
    with contextlib.suppress(LabError, requests.RequestException):
        space.clear()


def _failure(command: Command, problem: str, output: str) -> str:
    shown = output if len(output) <= OUTPUT_TAIL else "[...]\n" + output[-OUTPUT_TAIL:]
    return f"{command.where}: {problem}\n$ {command.text}\n--- output ---\n{shown}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=[str(path.relative_to(GUIDE)) for path in EXERCISES])
def test_exercise_runs_as_written(exercise: Path, scratch: Scratch):
    commands = parse_guide(exercise.read_text(encoding="utf-8"), str(exercise.relative_to(ROOT)))
    timings = []
    with GuideShell(ROOT, _environment()) as shell:
        for command in commands:
            started = time.monotonic()
            code, output = shell.run(command.text, timeout=COMMAND_TIMEOUT)
            timings.append((time.monotonic() - started, command.where))
            if code != command.exit_code:
                pytest.fail(_failure(command, f"exit status {code}, the guide expects {command.exit_code}", output), pytrace=False)
            missing = missing_lines(command.expected or (), output)
            if missing:
                listed = "\n".join(f"  {line}" for line in missing)
                problem = f"the output lacks these lines of the output block at line {command.expected_line}, in order:\n{listed}"
                pytest.fail(_failure(command, problem, output), pytrace=False)
    print(f"{exercise.name}: {len(commands)} commands in {sum(t for t, _ in timings):.1f} s; slowest:")
    for seconds, where in sorted(timings, reverse=True)[:3]:
        print(f"  {seconds:6.1f} s  {where}")
    left = scratch.left()
    assert not left, f"{exercise.relative_to(ROOT)} leaves {', '.join(left)} behind: its last steps must remove it"
