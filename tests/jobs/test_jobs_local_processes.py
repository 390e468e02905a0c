"""The local runner when things go wrong: a damaged gzip input fails the run with an error
naming the file and the byte (never a run that silently read part of it), a failed task
stops the others, and every process it started dies with it, SIGKILL included.

Processes are found by a marker in their command line or working directory (the test's own
jobs folder), in /proc: these tests need Linux, as the lab does."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from labctl import cli
from labctl.lake.records import InputFileError
from jobs_local import generate_lines  # benchmarks/jobs_local.py, on the path tests/conftest.py gives
from labctl.jobs.local import run_local
from labctl.jobs.output import metrics_from_output
from status_factory import metrics

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc (Linux)")
ROOT = Path(__file__).resolve().parents[2]


def processes_with(marker: str) -> list[int]:
    """Live processes whose command line or working directory holds `marker` (a task's
    script runs in the job's folder, as Streaming runs it where -files put it)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if (marker.encode() in cmdline or cwd.startswith(marker)) and _alive(int(pid)):
            found.append(int(pid))
    return found


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture(scope="module")
def statuses_gzip(tmp_path_factory) -> tuple[Path, list[bytes]]:
    """6,000 statuses, over a megabyte compressed: the size at which the issue lost records."""
    lines = list(generate_lines(6000, seed=3))
    path = tmp_path_factory.mktemp("inputs") / "statuses.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(lines), compresslevel=1))
    assert path.stat().st_size > 1_000_000
    return path, lines


def damage(path: Path, how: str, out: Path) -> Path:
    data = path.read_bytes()
    if how == "truncated":
        data = data[: len(data) * 3 // 5]
    elif how == "corrupt":
        middle = len(data) // 2
        data = data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 256]) + data[middle + 256 :]
    else:
        data += b"\x00\x01 not gzip at all, an appended log line\n"
    out.write_bytes(data)
    return out


def test_the_whole_file_gives_the_in_process_metrics(statuses_gzip, tmp_path):
    """Guards the cases below: undamaged, the file is read whole."""
    path, lines = statuses_gzip
    run = run_local([path], tmp_path, workers=2)
    assert metrics_from_output(run.lines()) == metrics(lines)


@pytest.mark.parametrize("how", ["truncated", "corrupt", "garbage"])
def test_a_damaged_gzip_input_fails_the_run_naming_the_file_and_the_byte(statuses_gzip, tmp_path, how):
    damaged = damage(statuses_gzip[0], how, tmp_path / f"{how}.jsonl.gz")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(InputFileError, match=rf"{damaged}: .* at byte [\d,]+ of {damaged.stat().st_size:,}") as caught:
        run_local([damaged], work, workers=2)
    assert caught.value.hint  # survived the trip back from the worker process


@pytest.mark.parametrize("how", ["truncated", "corrupt", "garbage"])
def test_labctl_jobs_run_local_exits_1_and_prints_no_metrics(statuses_gzip, tmp_path, how, capsys):
    damaged = damage(statuses_gzip[0], how, tmp_path / f"{how}.jsonl.gz")
    assert cli.main(["jobs", "run-local", "--input", str(damaged), "--json", "--workers", "2"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    said = " ".join(captured.err.split())
    assert str(damaged) in said.replace(" ", "") and "at byte" in said and "hint:" in said


def sleeping_jobs(folder: Path) -> Path:
    """A one-step job whose mapper never ends (like one stuck on a pathological record)."""
    folder.mkdir()
    (folder / "forever.py").write_text("import sys, time\nsys.stdin.buffer.read()\ntime.sleep(3600)\n")
    (folder / "steps.json").write_text(json.dumps({
        "job": "forever", "files": ["forever.py"],
        "steps": [{"name": "only", "mapper": "python3 forever.py", "reducer": "cat", "key_fields": 1}],
    }))
    return folder


def test_a_failed_task_stops_the_tasks_still_running(statuses_gzip, tmp_path):
    jobs = sleeping_jobs(tmp_path / "forever-jobs")
    damaged = damage(statuses_gzip[0], "truncated", tmp_path / "truncated.jsonl.gz")
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(b'{"id": "1"}\n' * 10)
    work = tmp_path / "work"
    work.mkdir()
    started = time.monotonic()
    with pytest.raises(InputFileError):
        run_local([plain, damaged], work, workers=2, jobs_dir=jobs)
    assert time.monotonic() - started < 120  # generous: the sleeping mapper would take an hour
    assert wait_until(lambda: processes_with(str(jobs)) == [], timeout=15), processes_with(str(jobs))


DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from labctl.jobs.local import run_local
    if __name__ == "__main__":  # spawned workers import this module too
        run_local([Path({input!r})], Path({work!r}), workers=2, jobs_dir=Path({jobs!r}))
""")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_and_scripts_die_with_a_killed_runner(tmp_path, sig):
    jobs = sleeping_jobs(tmp_path / "forever-jobs")
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": "1"}\n' * 1000)
    work = tmp_path / "work"
    work.mkdir()
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(root=str(ROOT), input=str(source), work=str(work), jobs=str(jobs)))
    runner = subprocess.Popen([sys.executable, str(driver)], cwd=tmp_path)
    try:
        marker = str(jobs)
        # The scripts are running (the mappers hold the marker; the workers run them).
        assert wait_until(lambda: len(processes_with(marker)) >= 1, timeout=60), "the mappers never started"
        workers = [pid for pid in processes_with("multiprocessing") if _parent(pid) == runner.pid]
        assert workers, "no worker process found"
        runner.send_signal(sig)
        runner.wait(timeout=30)
        assert wait_until(lambda: processes_with(marker) == [], timeout=15), f"scripts left running: {processes_with(marker)}"
        assert wait_until(lambda: not [pid for pid in workers if _alive(pid)], timeout=15), "workers left running"
    finally:  # whatever the outcome, nothing of this test keeps running
        if runner.poll() is None:
            runner.kill()
        for pid in processes_with(str(jobs)) + [pid for pid in locals().get("workers", []) if _alive(pid)]:
            os.kill(pid, signal.SIGKILL)


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
