"""One-line summary of JUnit XML reports: `python -m labctl.core.junit a.xml b.xml`."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def summarise(paths: list[Path]) -> dict[str, int]:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for path in paths:
        if not path.exists():
            totals["errors"] += 1  # a layer that produced no report did not pass
            continue
        root = ET.parse(path).getroot()
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        for suite in suites:
            for key in totals:
                totals[key] += int(suite.get(key, 0))
    return totals


def main(argv: list[str]) -> int:
    totals = summarise([Path(arg) for arg in argv])
    failed = totals["failures"] + totals["errors"]
    passed = totals["tests"] - failed - totals["skipped"]
    print(f"summary: {passed} passed, {failed} failed, {totals['skipped']} skipped")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
