"""Smoke files that run beside the others, in a second pytest process on the same lab.

Most smoke tests wait on the lab, which leaves part of the two cores idle; a session that
starts its own lab (CI) runs the files below in a side process meanwhile. A file belongs here
when it works in a space of its own (an HBase namespace or table, scratch folders in HDFS and
on the edge node, a DAG of its own that is never the pipeline's) and neither changes what the
other files read nor reads what they change: running beside them can only make it slower. The
files that need the lab to themselves (`WAIT_FOR_SIDE`: figures compared with HDFS's and
YARN's own reports, image tags removed, workers stopped, a second lab started) wait for the
side process to end first, and so does removing the lab.

On a lab someone started, the session runs every file itself, in order (`labctl smoke`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SIDE_FILES = (
    "test_course.py",
    "test_hbase_bulk.py",
    "test_hbase_schema.py",
    "test_jobs_on_yarn.py",
    "test_stack_hbase_airflow.py",
    "test_stack_hdfs_yarn.py",
)
WAIT_FOR_SIDE = (
    "test_status_figures.py",
    "test_x_bundle_offline.py",
    "test_z_faults_workers.py",
    "test_zz_bad_input_corpus.py",
    "test_zz_two_labs.py",
)
IN_SIDE_PROCESS = "SMOKE_SIDE_PROCESS"  # set in the side process's environment
REPORTS = Path(__file__).resolve().parent.parent / "reports"


class SideStream:
    """The side process: started once the lab is healthy, joined once."""

    def __init__(self, nodeids: list[str]):
        self.nodeids = nodeids
        self.report, self.log = REPORTS / "smoke-side.xml", REPORTS / "smoke-side.log"
        self.process: subprocess.Popen | None = None
        self.returncode: int | None = None

    def start(self) -> None:
        if self.process is not None or not self.nodeids:
            return
        REPORTS.mkdir(exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pytest", *self.nodeids, "-q", "-p", "no:cacheprovider",
                 f"--junitxml={self.report}"],
                cwd=Path(__file__).resolve().parent.parent, env={**os.environ, IN_SIDE_PROCESS: "1"},
                stdout=log, stderr=subprocess.STDOUT,
            )

    def join(self) -> int | None:
        """Wait for the side process (None: it never started); its exit status."""
        if self.process is not None and self.returncode is None:
            self.returncode = self.process.wait()
        return self.returncode

    def summary(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines if self.returncode not in (0, None) else lines[-2:])


def in_side_process() -> bool:
    return os.environ.get(IN_SIDE_PROCESS) == "1"
