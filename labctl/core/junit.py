"""Summary of JUnit XML reports: `python -m labctl.core.junit a.xml b.xml`.

The seconds each test file took (setup and teardown included, in the order they ran),
so a run that got slower shows where; then one line of totals."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def summarise(paths: list[Path]) -> dict[str, int]:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for path in paths:
        if not path.exists():
            totals["tests"] += 1  # a layer that produced no report did not pass
            totals["errors"] += 1
            continue
        root = ET.parse(path).getroot()
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        for suite in suites:
            for key in totals:
                totals[key] += int(suite.get(key, 0))
    return totals


def seconds_per_file(path: Path) -> dict[str, float]:
    """File (from each test case's class name, `smoke_tests.test_x.TestY` -> test_x.py) -> seconds."""
    per_file: dict[str, float] = {}
    if not path.exists():
        return per_file
    for case in ET.parse(path).getroot().iter("testcase"):
        name = file_of_case(case.get("classname", ""))
        per_file[name] = per_file.get(name, 0.0) + float(case.get("time", 0) or 0)
    return per_file


def file_of_case(classname: str) -> str:
    """A test case's file from its class name: `smoke_tests.test_x.TestY` -> test_x.py."""
    module = next((part for part in classname.split(".") if part.startswith("test_")), classname or "?")
    return f"{module}.py" if module.startswith("test_") else module


def main(argv: list[str]) -> int:
    for arg in argv:
        per_file = seconds_per_file(Path(arg))
        if per_file:
            print(f"{arg}: {sum(per_file.values()):.0f} s")
            for name, seconds in per_file.items():
                print(f"  {seconds:8.1f} s  {name}")
    totals = summarise([Path(arg) for arg in argv])
    failed = totals["failures"] + totals["errors"]
    passed = totals["tests"] - failed - totals["skipped"]
    print(f"summary: {passed} passed, {failed} failed, {totals['skipped']} skipped")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
