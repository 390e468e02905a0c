"""Fast unit tests: no Docker, no network beyond loopback."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# jobs/ are flat Streaming scripts (shipped to YARN with -files), not a package;
# smoke_tests/guide.py runs the lab guide (its parser is unit-tested here); the benchmarks'
# scripts (benchmarks/) are tested on tiny inputs.
for extra in (ROOT / "jobs", ROOT / "smoke_tests", ROOT / "benchmarks"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
