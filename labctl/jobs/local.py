"""Run the Streaming job without Hadoop: the same scripts, map -> sort -> combine -> reduce.

Mirrors what Hadoop Streaming does with each step of jobs/steps.json, in worker processes:

- inputs are cut into splits: plain files by byte range on line boundaries (a line belongs
  to the split holding its first byte, as with Hadoop's LineRecordReader), a gzip file as a
  whole (gzip cannot be split), a JSON array file (an API page) converted to lines first;
- a map task pipes its split through the mapper, partitions the output by a hash of the key,
  sorts each partition by bytes, pipes it through the combiner and writes one sorted run
  per partition;
- a reduce task merges its runs from every map task and pipes them through the reducer
  into its part file, which the next step reads like any other input.

Input files are read by labctl/lake/records.py, as ingestion reads them: a damaged gzip
file fails the run with an error naming the file and the byte (`InputFileError`), never a
run over part of it; a JSON array is streamed, each element a record. A failed task stops
the others, and every process the run starts dies with it, killed or not.

Sorting whole lines equals Hadoop's sort on the key bytes here, because the wire format
guarantees the tab ending a key is the smallest byte of a row (see jobs/wire.py).
Counters reported on the scripts' stderr are summed, as YARN does.
"""

from __future__ import annotations

import heapq
import ctypes
import math
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import IO

from labctl.lake import records
from labctl.jobs.definition import JOBS_DIR, Job, Step, load_job, load_script

MAX_SPLIT_BYTES = 64 * 1024 * 1024  # bounds a map task's in-memory sort, like io.sort.mb
_CHUNK = 1024 * 1024


class JobFailed(RuntimeError):
    """A task's script exited with an error; the message carries the end of its stderr."""


@dataclass(frozen=True)
class Split:
    path: Path
    start: int = 0
    end: int | None = None  # None: the whole file, decompressed if gzip


@dataclass
class LocalRun:
    output: list[Path]  # part files of the last step
    counters: Counter = field(default_factory=Counter)  # (group, name) -> n, summed over tasks
    seconds: dict[str, float] = field(default_factory=dict)  # "<step> map" / "<step> reduce" -> wall time

    def lines(self) -> Iterator[bytes]:
        for part in self.output:
            with part.open("rb") as rows:
                yield from rows


def input_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, directories expanded (sorted; hidden and _SUCCESS-like files skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"input not found: {path}")
    return found


def _open(path: Path) -> IO[bytes]:
    return records.open_binary(path)  # a damaged gzip file raises InputFileError, never a short read


def plan_splits(files: Sequence[Path], workdir: Path, split_bytes: int) -> list[Split]:
    """Splits of the raw inputs; JSON array files are first written out as lines in `workdir`
    (streamed, one record a line, as ingestion writes them to the raw zone)."""
    splits: list[Split] = []
    for number, path in enumerate(files):
        if records.file_kind(path) != "lines":
            lines = workdir / f"array-{number:05d}.jsonl"
            with lines.open("wb") as out:
                for record in records.iter_raw_records(path):
                    out.write(record.line + b"\n")
            path = lines
        elif records.is_gzip(path):
            splits.append(Split(path))
            continue
        splits.extend(byte_splits(path, split_bytes))
    return splits


def byte_splits(path: Path, split_bytes: int) -> list[Split]:
    size = path.stat().st_size
    return [Split(path, start, min(start + split_bytes, size)) for start in range(0, size, split_bytes)] or [Split(path, 0, 0)]


def read_split(split: Split) -> Iterator[bytes]:
    """The bytes of the lines whose first byte lies in the split."""
    if split.end is None:
        with _open(split.path) as source:
            yield from iter(lambda: source.read(_CHUNK), b"")
        return
    with split.path.open("rb") as source:
        if split.start:
            # The line holding byte start-1 started in the previous split, which reads it whole.
            source.seek(split.start - 1)
            source.readline()
        remaining, last = split.end - source.tell(), b"\n"
        while remaining > 0:
            chunk = source.read(min(_CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            last = chunk
            yield chunk
        if not last.endswith(b"\n"):
            yield source.readline()  # the last line starts here and ends in the next split


def command(line: str) -> list[str]:
    """A step's command as argv; python3 is the interpreter running labctl (same stdlib scripts)."""
    argv = shlex.split(line)
    return [sys.executable, *argv[1:]] if argv and argv[0] == "python3" else argv


def partition(line: bytes, key_fields: int, partitions: int) -> int:
    end = -1
    for _ in range(key_fields):
        end = line.find(b"\t", end + 1)
        if end < 0:
            end = len(line) - 1  # fewer fields than key fields: the whole line is the key
            break
    return zlib.crc32(line[:end]) % partitions


@dataclass(frozen=True)
class Script:
    label: str  # names the task in errors: "dedup map 3"
    command: list[str]
    cwd: Path  # where -files would land the scripts
    environment: dict[str, str] = field(default_factory=dict)  # as -cmdenv sets it


def _run(script: Script, feed: Iterable[bytes], stdout: IO[bytes] | None = None, consume: Callable[[IO[bytes]], None] | None = None) -> Counter:
    """Run one script with `feed` on its stdin, its stdout to a file or read by `consume`.

    If reading the input fails (a damaged gzip file), the script is killed and that error
    is raised: a script that saw its stdin end early would otherwise look like a success."""
    process = subprocess.Popen(
        script.command,
        cwd=script.cwd,
        env={**os.environ, **script.environment},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        preexec_fn=_child_dies_with_parent(),
    )
    _running.add(process)
    try:
        return _supervise(script, process, feed, stdout, consume)
    finally:
        _running.discard(process)


def _supervise(script: Script, process: subprocess.Popen, feed: Iterable[bytes], stdout: IO[bytes] | None,
               consume: Callable[[IO[bytes]], None] | None) -> Counter:
    stderr: list[bytes] = []
    failed: list[BaseException] = []
    helpers = [
        threading.Thread(target=_write_all, args=(process, feed, failed), daemon=True),
        threading.Thread(target=lambda: stderr.extend(process.stderr), daemon=True),
    ]
    for thread in helpers:
        thread.start()
    if stdout is None:
        (consume or _discard)(process.stdout)
        process.stdout.close()
    for thread in helpers:
        thread.join()
    returncode = process.wait()
    if failed:
        raise failed[0]
    if returncode != 0:
        tail = b"".join(stderr)[-2000:].decode("utf-8", "replace")
        raise JobFailed(f"{script.label}: `{shlex.join(script.command)}` exited with {process.returncode}:\n{tail}")
    return _counters(stderr)


def _discard(stream: IO[bytes]) -> None:
    for _ in stream:
        pass


def _write_all(process: subprocess.Popen, feed: Iterable[bytes], failed: list[BaseException]) -> None:
    pipe = process.stdin
    try:
        for chunk in feed:
            pipe.write(chunk)
    except BrokenPipeError:
        pass  # the script died early; its exit status says why
    except BaseException as error:  # reading the input failed: the script must not finish as if it had ended
        failed.append(error)
        process.kill()
    finally:
        try:
            pipe.close()
        except BrokenPipeError:
            pass


# --- Processes die with the command ------------------------------------------------------
#
# `labctl jobs run-local` starts worker processes, which start the scripts. Killed (a CI
# timeout sends SIGKILL), it cannot stop them itself: on Linux each child asks the kernel to
# kill it when its parent dies (PR_SET_PDEATHSIG), the workers when labctl dies, the scripts
# when their worker dies. Elsewhere a worker watches its parent and stops its script itself.

_PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _child_dies_with_parent() -> Callable[[], None] | None:
    """A preexec_fn (run in the child between fork and exec) asking for SIGKILL when the
    parent dies; the check after it covers a parent that died before the request."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def request() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return request


_running: set[subprocess.Popen] = set()


def _worker_init(parent: int) -> None:
    """Runs first in each worker process."""
    prctl = _prctl()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)
    if prctl is None:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    for process in list(_running):
        process.kill()
    os._exit(1)


def _stop(pool: ProcessPoolExecutor) -> None:
    """After a failed task: drop the tasks not started and kill the running ones (their
    scripts die with them), rather than wait for tasks whose result no longer matters."""
    # Killed workers make the pool "broken": its manager thread then fails what is pending
    # and ends, so the wait below is short.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _counters(stderr_lines: Iterable[bytes]) -> Counter:
    wire = load_script("wire")
    counters: Counter = Counter()
    for line in stderr_lines:
        counter = wire.parse_counter(line.decode("utf-8", "replace"))
        if counter:
            counters[counter[0]] += counter[1]
    return counters


def map_task(
    mapper: Script, combiner: Script | None, split: Split, key_fields: int, runs: Sequence[Path]
) -> Counter:
    """Map one split into one sorted (and combined) run file per reduce task."""
    buckets: list[list[bytes]] = [[] for _ in runs]

    def partition_lines(stream: IO[bytes]) -> None:
        for line in stream:  # iterating a binary stream splits on b"\n" only
            buckets[partition(line, key_fields, len(buckets))].append(line)

    counters = _run(mapper, read_split(split), consume=partition_lines)
    for bucket, run in zip(buckets, runs):
        bucket.sort()
        if combiner and bucket:
            combined: list[bytes] = []
            counters += _run(combiner, bucket, consume=combined.extend)
            bucket = sorted(combined)
        run.write_bytes(b"".join(bucket))
    return counters


def reduce_task(reducer: Script, runs: Sequence[Path], part: Path) -> Counter:
    """Merge the sorted runs of every map task into the reducer, its output into `part`."""
    with ExitStack() as stack:
        sources = [stack.enter_context(run.open("rb")) for run in runs]
        return _run(reducer, heapq.merge(*sources), stdout=stack.enter_context(part.open("wb")))


def _step(
    pool: ProcessPoolExecutor, job: Job, step: Step, splits: list[Split], stepdir: Path, jobs_dir: Path, reducers: int, run: LocalRun
) -> list[Path]:
    def script(role: str, line: str) -> Script:
        return Script(f"{step.name} {role}", command(line), jobs_dir, job.environment)

    stepdir.mkdir()
    combiner = script("combine", step.combiner) if step.combiner else None
    runs = [[stepdir / f"map-{m:05d}-run-{r:05d}" for r in range(reducers)] for m in range(len(splits))]
    started = time.perf_counter()
    maps = [
        pool.submit(map_task, script(f"map {m}", step.mapper), combiner, split, step.key_fields, runs[m])
        for m, split in enumerate(splits)
    ]
    for counters in _results(maps):
        run.counters += counters
    run.seconds[f"{step.name} map"] = time.perf_counter() - started
    started = time.perf_counter()
    parts = [stepdir / f"part-{r:05d}" for r in range(reducers)]
    reduces = [
        pool.submit(reduce_task, script(f"reduce {r}", step.reducer), [task[r] for task in runs], part)
        for r, part in enumerate(parts)
    ]
    for counters in _results(reduces):
        run.counters += counters
    run.seconds[f"{step.name} reduce"] = time.perf_counter() - started
    return parts


def _results(futures: list[Future]) -> list[Counter]:
    """The tasks' results once all succeed; the first failure as soon as it happens, not
    after tasks submitted before it (which may run much longer) have ended."""
    done, _ = wait(futures, return_when=FIRST_EXCEPTION)
    for future in done:
        if future.exception() is not None:
            raise future.exception()
    return [future.result() for future in futures]


def run_local(
    inputs: Sequence[Path],
    workdir: Path,
    *,
    workers: int | None = None,
    split_bytes: int | None = None,
    jobs_dir: Path = JOBS_DIR,
    job: Job | None = None,
) -> LocalRun:
    """Run every step of the job over `inputs` in `workdir` (which must exist and be empty).

    `workers` processes run the tasks, and each step has that many reduce tasks. Plain
    inputs are cut into splits of `split_bytes` (default: enough splits to keep every
    worker busy, at most MAX_SPLIT_BYTES each).
    """
    job = job or load_job(jobs_dir)
    workers = max(1, workers or os.cpu_count() or 1)
    files = input_files(inputs)
    if not files:
        raise ValueError(f"no input files in {', '.join(map(str, inputs)) or 'the arguments'}")
    if split_bytes is None:
        total = sum(path.stat().st_size for path in files)
        split_bytes = min(MAX_SPLIT_BYTES, max(1, math.ceil(total / workers)))
    run = LocalRun(output=[])
    started = time.perf_counter()
    # spawn, not fork: forking a process that runs threads is unsafe, and labctl's callers may.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_worker_init, initargs=(os.getpid(),))
    try:
        splits = plan_splits(files, workdir, split_bytes)
        for step in job.steps:
            run.output = _step(pool, job, step, splits, workdir / step.name, jobs_dir, workers, run)
            splits = [split for part in run.output for split in byte_splits(part, split_bytes)]
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()
    run.seconds["total"] = time.perf_counter() - started
    return run
