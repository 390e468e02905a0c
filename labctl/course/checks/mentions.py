"""Exercise 2: the most mentioned accounts, a two-step Streaming job written from empty scripts."""

from __future__ import annotations

from labctl.course import expected
from labctl.course.checks import common
from labctl.course.yarn import run_job_on_yarn

CHECKS = common.streaming("test_mentions.py", "mentions", "handle", lambda path: expected.document(path)["mentions"], run_job_on_yarn)
