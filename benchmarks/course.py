"""Time `labctl course check` per exercise with the instructor's solution: `python benchmarks/course.py`.

Each exercise that needs no lab is graded locally, twice: with an empty cache (the first check
on a machine generates the hidden inputs and computes the oracle's documents) and again with
that cache warm (every later check). `--lab` adds the exercises graded on the lab (4, 5, 7)
and exercise 2 with `--on yarn`; they create and remove their own tables, DAG and HDFS
scratch, but load the shared lab: hold its lock, e.g.
`flock /tmp/lab.lock .venv/bin/python benchmarks/course.py --lab`.
Prints one line per grading and a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LOCAL = ["raw-zone", "mentions", "regions", "analysis"]
LAB = [("mentions", "yarn"), ("hbase-design", "local"), ("airflow-task", "local"), ("governance", "local")]


def grade(slug: str, on: str, folder: Path) -> dict:
    from labctl.course import catalogue, grader, workspace

    exercise = catalogue.find(slug)
    target = workspace.solution_copy(exercise, folder / f"{slug}-{on}")
    started = time.perf_counter()
    results = grader.grade(exercise, target, on=on, timeout=900)
    return {"exercise": exercise.name, "on": on, "seconds": round(time.perf_counter() - started, 1), "score": results.score,
            "checks": {test.name: test.passed for test in results.tests}}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", action="store_true", help="also the exercises graded on the running lab")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        os.environ["LABCTL_COURSE_CACHE"] = str(Path(tmp) / "cache")
        for cache in ("cold", "warm"):
            for slug in LOCAL:
                row = {**grade(slug, "local", Path(tmp) / cache), "cache": cache}
                print(f"{row['exercise']:<18} local {cache}: {row['seconds']:6.1f} s, score {row['score']}", flush=True)
                rows.append(row)
        if args.lab:
            for slug, on in LAB:
                row = {**grade(slug, on, Path(tmp) / "lab"), "cache": "warm"}
                print(f"{row['exercise']:<18} {on:<5} warm: {row['seconds']:6.1f} s, score {row['score']}", flush=True)
                rows.append(row)
    print(json.dumps(rows, indent=1))
    return 0 if all(row["score"] == 1 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
