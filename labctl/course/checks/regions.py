"""Exercise 3: statuses per region of the author's instance (the oracle's `regions`, metric 12)."""

from __future__ import annotations

from labctl.course import expected
from labctl.course.checks import common
from labctl.course.yarn import run_job_on_yarn

CHECKS = common.streaming("test_regions.py", "regions", "region", lambda path: expected.regions(expected.document(path)),
                          run_job_on_yarn)
