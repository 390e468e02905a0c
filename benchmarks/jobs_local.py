"""Benchmark the metric job without Hadoop: the local runner against a plain shell pipe.

    python benchmarks/jobs_local.py --statuses 100000 [--workers 2] [--json]

Generates statuses (labctl.seedgen's realistic recording when available, else a small
inline generator with boosts, duplicates and a few malformed lines), then times, on the
same input:
- the local runner (labctl jobs run-local), per step and phase;
- per step, the single-process pipe ``cat input | mapper | LC_ALL=C sort | reducer``, whole,
  and stage by stage (map to a file, sort it, reduce it) to show where the time goes.
Both must produce the same metrics; the YARN run is timed on the lab by benchmarks/yarn.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's labctl, run from anywhere

from labctl.jobs.definition import JOBS_DIR, Step, load_job  # noqa: E402
from labctl.jobs.local import command, run_local  # noqa: E402
from labctl.jobs.output import metrics_from_output  # noqa: E402

LANGUAGES = ["en", "en", "en", "de", "fr", "es", "ja", "pt", None, ""]
MEDIA = ["image", "image", "video", "gifv", "audio"]
TAGS = [f"tag{n}" for n in range(300)] + ["Python", "python", "BigData", "Mastodon", "fediverse"]
MALFORMED = [b"\xff\xfe not utf-8", b'{"id": "1", "account": ', b"[1, 2, 3]", b"42", b'{"account": {}}', b'{"id": "x"}']


def _accounts(rng: random.Random, count: int) -> list[dict[str, Any]]:
    accounts = []
    for n in range(count):
        host = "lab.example" if n % 3 else f"remote{n % 17}.example"
        accounts.append({
            "id": str(100_000 + n),
            "username": f"user{n}",
            "acct": f"user{n}" if host == "lab.example" else f"User{n}@{host}",
            "display_name": f"User number {n}",
            "url": f"https://{host}/@user{n}",
            "created_at": f"{rng.randint(2017, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00.000Z",
            "followers_count": int(rng.paretovariate(1.2) * 10),
            "following_count": rng.randint(0, 800),
            "statuses_count": rng.randint(1, 20_000),
            "note": "<p>Just a synthetic account for benchmarks.</p>",
            "avatar": f"https://{host}/avatars/{n}.png",
            "bot": False,
            "locked": False,
        })
    return accounts


def _status(rng: random.Random, number: int, author: dict[str, Any], accounts: list[dict[str, Any]]) -> dict[str, Any]:
    tags = rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2, 3]))
    mentioned = rng.sample(accounts, rng.choice([0, 0, 0, 1, 2]))
    links = [f"https://www.news{rng.randint(0, 40)}.example/article/{rng.randint(0, 500)}#top" for _ in range(rng.choice([0, 0, 1]))]
    content = " ".join(
        [f'<span class="h-card"><a href="{m["url"]}" class="u-url mention">@<span>{m["username"]}</span></a></span>' for m in mentioned]
        + ["Some words about the fediverse \u2028 and data" * rng.randint(1, 3)]
        + [f'<a href="{url}" rel="nofollow noopener" target="_blank">{url}</a>' for url in links]
        + [f'<a href="https://lab.example/tags/{t.lower()}" class="mention hashtag" rel="tag">#<span>{t}</span></a>' for t in tags]
    )
    second = number % 86_400
    return {
        "id": str(10**12 + number),
        "uri": f"https://lab.example/users/{author['username']}/statuses/{10**12 + number}",
        "created_at": f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000Z",
        "account": author,
        "content": f"<p>{content}</p>",
        "language": rng.choice(LANGUAGES),
        "visibility": "public",
        "favourites_count": rng.randint(0, 30),
        "reblogs_count": rng.randint(0, 10),
        "replies_count": rng.randint(0, 5),
        "reblog": None,
        "media_attachments": [{"id": str(number), "type": rng.choice(MEDIA)} for _ in range(rng.choice([0, 0, 0, 1, 2]))],
        "tags": [{"name": t, "url": f"https://lab.example/tags/{t.lower()}"} for t in tags],
        "mentions": [{"id": m["id"], "username": m["username"], "acct": m["acct"], "url": m["url"]} for m in mentioned],
        "emojis": [{"shortcode": rng.choice(["blobcat", "party", "wave"])}] if rng.random() < 0.1 else [],
    }


def generate_lines(statuses: int, seed: int = 0) -> Iterator[bytes]:
    """`statuses` raw lines: ~15% boosts, ~5% re-fetched duplicates, ~0.1% malformed."""
    rng = random.Random(seed)
    accounts = _accounts(rng, max(10, statuses // 20))
    recent: list[dict[str, Any]] = []
    for number in range(statuses):
        roll = rng.random()
        if roll < 0.001:
            yield rng.choice(MALFORMED) + b"\n"
            continue
        if roll < 0.05 and recent:  # a status fetched again later, with grown counts
            record = dict(rng.choice(recent))
            record["favourites_count"] += rng.randint(0, 5)
        elif roll < 0.20 and recent:
            record = _status(rng, number, rng.choice(accounts), accounts)
            record.update(reblog=rng.choice(recent), content="", tags=[], mentions=[], media_attachments=[])
            record["uri"] += "/activity"
        else:
            record = _status(rng, number, rng.choice(accounts), accounts)
            recent = [*recent[-199:], record]
        yield json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"


def write_input(path: Path, statuses: int, seed: int = 0, generator: str = "inline") -> int:
    """Write `statuses` lines with the inline generator or labctl.seedgen's realistic profile."""
    if generator == "seedgen":
        from labctl.seedgen.config import PROFILES
        from labctl.seedgen.writer import write_recording

        write_recording(PROFILES["realistic"].replace(statuses=statuses, seed=seed), path, fmt="jsonl")
    else:
        with path.open("wb") as out:
            out.writelines(generate_lines(statuses, seed))
    return path.stat().st_size


def default_generator() -> str:
    return "seedgen" if importlib.util.find_spec("labctl.seedgen") else "inline"


def _sort_command() -> list[str]:
    version = subprocess.run(["sort", "--version"], capture_output=True, text=True).stdout
    # A single-process baseline: GNU sort would otherwise sort with several threads.
    return ["sort", "--parallel=1"] if "GNU" in version else ["sort"]


def _pipe(stages: Sequence[list[str]], source: Path, target: Path, log: IO[bytes]) -> None:
    """stage1 < source | stage2 | ... > target, every stage in LC_ALL=C."""
    env = {**os.environ, "LC_ALL": "C"}
    with source.open("rb") as first, target.open("wb") as last:
        processes: list[subprocess.Popen] = []
        for number, stage in enumerate(stages):
            stdin = first if number == 0 else processes[-1].stdout
            stdout = last if number == len(stages) - 1 else subprocess.PIPE
            processes.append(subprocess.Popen(stage, stdin=stdin, stdout=stdout, stderr=log, cwd=JOBS_DIR, env=env))
            if number:
                processes[-2].stdout.close()  # so an early exit downstream reaches upstream
        failed = [(stage, p.wait()) for stage, p in zip(stages, processes) if p.wait() != 0]
    if failed:
        raise RuntimeError(f"pipe stages failed: {failed}")


def time_pipe(steps: Sequence[Step], source: Path, workdir: Path, staged: bool = True) -> dict[str, float]:
    """Seconds of the plain pipe, per step: whole, then (if `staged`) map / sort / reduce
    stage by stage. The last step's output is `workdir / f"pipe-{name}"`."""
    seconds: dict[str, float] = {}
    sort = _sort_command()
    with (workdir / "pipe.log").open("wb") as log:
        for step in steps:
            mapper, reducer = command(step.mapper), command(step.reducer)
            output = workdir / f"pipe-{step.name}"
            started = time.perf_counter()
            _pipe([mapper, sort, reducer], source, output, log)
            seconds[f"{step.name} pipe"] = time.perf_counter() - started
            stem = workdir / f"staged-{step.name}"
            for stage, stages, target in (
                ("map", [mapper], stem.with_suffix(".map")),
                ("sort", [sort], stem.with_suffix(".sorted")),
                ("reduce", [reducer], stem.with_suffix(".out")),
            ) if staged else ():
                started = time.perf_counter()
                _pipe(stages, source if stage == "map" else previous, target, log)
                seconds[f"{step.name} {stage}"] = time.perf_counter() - started
                previous = target
            source = output
    seconds["pipe total"] = sum(value for name, value in seconds.items() if name.endswith(" pipe"))
    return seconds


def benchmark(
    statuses: int,
    workers: int,
    seed: int = 0,
    workdir: Path | None = None,
    generator: str = "inline",
    source: Path | None = None,
) -> dict[str, Any]:
    """Time both paths; `source` reuses an existing JSON-lines input instead of generating one."""
    with tempfile.TemporaryDirectory(prefix="labctl-bench-") as scratch:
        root = workdir or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if source is None:
            source = root / "statuses.jsonl"
            write_input(source, statuses, seed, generator)
        else:
            generator = f"file {source}"
        generated = time.perf_counter() - started
        input_bytes = source.stat().st_size
        local_dir = root / "local"
        shutil.rmtree(local_dir, ignore_errors=True)
        local_dir.mkdir(parents=True)
        local = run_local([source], local_dir, workers=workers)
        pipe_dir = root / "pipe"
        shutil.rmtree(pipe_dir, ignore_errors=True)
        pipe_dir.mkdir()
        job = load_job()
        pipe = time_pipe(job.steps, source, pipe_dir)
        with (pipe_dir / f"pipe-{job.steps[-1].name}").open("rb") as rows:
            same = metrics_from_output(rows) == metrics_from_output(local.lines())
    return {
        "statuses": statuses,
        "generator": generator,
        "generate_seconds": generated,
        "input_bytes": input_bytes,
        "workers": workers,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "local": local.seconds,
        "pipe": pipe,
        "same_metrics": same,
    }


def report(result: dict[str, Any]) -> Table:
    n = result["statuses"]
    table = Table(
        title=(
            f"{n:,} statuses ({result['generator']}, {result['input_bytes'] / 1e6:,.0f} MB), "
            f"{result['workers']} workers, {result['cpus']} CPUs"
        ),
        caption=f"same metrics from both: {result['same_metrics']}",
    )
    for column in ("run", "phase", "seconds", "statuses/s"):
        table.add_column(column, justify="left" if column in ("run", "phase") else "right")
    for run in ("local", "pipe"):
        for phase, seconds in result[run].items():
            rate = f"{n / seconds:,.0f}" if phase in ("total", "pipe total") else ""
            table.add_row(run, phase, f"{seconds:.2f}", rate)
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/jobs_local.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--statuses", type=int, required=True, help="how many statuses to generate (or the input holds)")
    parser.add_argument("--input", type=Path, help="time this JSON-lines file instead of generating one")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local runner processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--generator",
        choices=("seedgen", "inline"),
        default=default_generator(),
        help="labctl.seedgen's realistic recording (default when installed) or this module's small generator",
    )
    parser.add_argument("--workdir", type=Path, help="keep the input and outputs here (default: a temporary directory)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.statuses < 1 or args.workers < 1:
        parser.error("--statuses and --workers must be at least 1")
    if args.input is not None and not args.input.is_file():
        parser.error(f"--input {args.input}: no such file")
    result = benchmark(args.statuses, args.workers, args.seed, args.workdir, args.generator, args.input)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        from labctl.core import ui

        ui.out.print(report(result))
    return 0 if result["same_metrics"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
