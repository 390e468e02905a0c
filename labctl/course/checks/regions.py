"""Exercise 3: statuses per region of the author's instance (issue 14's `regions` metric)."""

from __future__ import annotations

from labctl.course import expected, inputs
from labctl.course.checks import common
from labctl.course.yarn import run_job_on_yarn


def _regions(path):
    return expected.regions(expected.document(path))


CHECKS = [
    common.unit_tests("test_regions.py", 2),
    common.job("recording", "your job on the recording equals the oracle's `regions`", inputs.recording, _regions,
               "region", 4, metric="regions", hidden=False, yarn=run_job_on_yarn),
    common.job("generated", "your job on another generated set", inputs.generated, _regions, "region", 2, metric="regions", hidden=True),
    common.job("edge-cases", "your job on the edge cases", inputs.edge_cases, _regions, "region", 2, metric="regions", hidden=True),
]
