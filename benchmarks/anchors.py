"""Time the link scan on hostile contents: `python benchmarks/anchors.py [--jobs-dir DIR]`.

Issue 16: a status whose content is "<a " repeated (1 MB) never finished, the anchor pattern
of jobs/contract.py retrying from every "<a" (time quadratic in the length). This times,
for each pattern and size, the jobs' mapper on one status line holding that content (JSON
decoding and every rule of the contract included) and the oracle's link reading of the same
content. Each measurement runs in a process of its own, killed after --timeout seconds, so
the scan of an older contract.py (`--jobs-dir`, e.g. `git show ed38cb7:jobs/contract.py`
copied next to the other scripts) can be timed without waiting for it.

    mkdir /tmp/before && for f in wire contract dedup aggregate; do git show ed38cb7:jobs/$f.py > /tmp/before/$f.py; done
    python benchmarks/anchors.py --jobs-dir /tmp/before --sizes 6000 12000 24000 48000 --no-oracle
    python benchmarks/anchors.py --sizes 48000 1000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = {
    "open-anchor": "<a ",  # the record of issue 16
    "open-quote": '<a title="',  # a quote that never closes
    "open-comment": "<!--",
    "closed-anchor": '<a href="https://x.example/">x</a> ',  # many real links: the scan's normal work
}


def status_line(content: str) -> bytes:
    account = {"id": "1", "acct": "ann", "url": "https://town.example/@ann"}
    record = {"id": "1", "uri": "https://town.example/s/1", "account": account, "content": content}
    return json.dumps(record).encode()


def measure_one(what: str, pattern: str, size: int, jobs_dir: Path) -> float:
    """Seconds for one scan of `size` characters of `pattern` repeated (in this process)."""
    content = (pattern * (size // len(pattern) + 1))[:size]
    if what == "jobs":
        sys.path.insert(0, str(jobs_dir))
        import dedup

        line = status_line(content)
        started = time.perf_counter()
        rows = list(dedup.mapper(line, Counter()))
        elapsed = time.perf_counter() - started
        assert rows and rows[0][0][0] == "status", rows[:1]
        return elapsed
    sys.path.insert(0, str(ROOT))
    from labctl.oracle.metrics import external_links

    started = time.perf_counter()
    external_links(content)
    return time.perf_counter() - started


def measure(what: str, pattern: str, size: int, jobs_dir: Path, timeout: float) -> float | None:
    """Seconds, or None when the scan did not end within `timeout`."""
    command = [sys.executable, __file__, "--one", what, pattern, str(size), str(jobs_dir)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--one":
        what, pattern, size, jobs_dir = argv[1:5]
        print(measure_one(what, PATTERNS[pattern], int(size), Path(jobs_dir)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs-dir", type=Path, default=ROOT / "jobs", help="the jobs' scripts to time (default: jobs/)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[48_000, 1_000_000], help="content lengths, in characters")
    parser.add_argument("--patterns", nargs="+", choices=sorted(PATTERNS), default=list(PATTERNS))
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a scan counts as not finishing")
    parser.add_argument("--no-oracle", action="store_true", help="time the jobs only")
    args = parser.parse_args(argv)
    results = []
    for pattern in args.patterns:
        for size in args.sizes:
            for what in ("jobs",) if args.no_oracle else ("jobs", "oracle"):
                seconds = measure(what, pattern, size, args.jobs_dir, args.timeout)
                shown = f"{seconds:.4f} s" if seconds is not None else f"> {args.timeout:g} s (killed)"
                print(f"{what:6} {pattern:13} {size:>9,} chars  {shown}", file=sys.stderr)
                results.append({"what": what, "pattern": pattern, "chars": size, "seconds": seconds})
    print(json.dumps({"jobs_dir": str(args.jobs_dir), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
