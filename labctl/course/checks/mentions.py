"""Exercise 2: the most mentioned accounts, a two-step Streaming job written from empty scripts."""

from __future__ import annotations

from labctl.course import expected, inputs
from labctl.course.checks import common
from labctl.course.yarn import run_job_on_yarn


def _mentions(path):
    return expected.document(path)["mentions"]


CHECKS = [
    common.unit_tests("test_mentions.py", 2),
    common.job("recording", "your job on the recording equals the oracle's `mentions`", inputs.recording, _mentions,
               "handle", 4, metric="mentions", hidden=False, yarn=run_job_on_yarn),
    common.job("generated", "your job on another generated set", inputs.generated, _mentions, "handle", 2, metric="mentions", hidden=True),
    common.job("edge-cases", "your job on the edge cases", inputs.edge_cases, _mentions, "handle", 2, metric="mentions", hidden=True),
]
