"""End-to-end tests against the real lab.

A running, healthy lab (`labctl up`) is used as it is and left running. With
none, the session starts one through testcontainers' DockerCompose on
stack/docker-compose.yml and removes it, volumes included, at the end.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from labctl.core import engine as eng
from labctl.core import lab
from labctl.core.edge import EDGE_SERVICE
from labctl.core.errors import LabError
from labctl.core.manifest import PROJECT_NAME, Manifest
from labctl.core.secrets import secrets_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))

import session_lab  # noqa: E402  (smoke_tests/ on the path first)

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A LabError's details (a failed command's output, a service's log tail) go into the
    report: its message alone does not say why `docker compose up` failed."""
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, LabError) and call.excinfo.value.details:
        report.sections.append((f"labctl error details ({call.when})", call.excinfo.value.details))
    return report


def _healthy(manifest: Manifest) -> bool:
    try:
        if not lab.containers(manifest):
            return False
        return all(result.ok for result in lab.run_checks(manifest, lab.running_workers(manifest)))
    except Exception:
        return False


_OWN_LAB = []  # holds True once the session has a lab it will remove


def session_owns_lab() -> bool:
    """The lab goes with the session: tests need not put it back as they found it."""
    return bool(_OWN_LAB)


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return Manifest()


# scripts/test.sh runs the unit tests beside this session, from the first test of this file on
# (files run in name order) once the lab is healthy. The lab's start, the course's grader and
# the HBase bulk load before it keep both cores busy; from here on the files mostly wait on
# the lab (a DAG run's tasks, YARN), which leaves a core idle. The ninth to eleventh CI
# rehearsals started them at the lab's health, beside the course and the bulk load.
UNIT_TESTS_BESIDE_FROM = "test_hbase_schema.py"


def pytest_runtest_call(item) -> None:
    """Tell scripts/test.sh to start the unit tests (UNIT_TESTS_START_FILE) once the session has
    reached the files that leave a core idle, its lab healthy: a test runs only after its
    fixtures, so one that uses `lab_stack` runs on a healthy lab."""
    ready = os.environ.get("UNIT_TESTS_START_FILE")
    if ready and "lab_stack" in item.fixturenames and Path(item.path).name >= UNIT_TESTS_BESIDE_FROM and not Path(ready).exists():
        Path(ready).touch()


@pytest.fixture(scope="session")
def lab_stack(manifest: Manifest):
    """The lab, healthy: the running one (left running), or the session's own (smoke_tests/
    session_lab.py: started here, removed at the end)."""
    if lab.containers(manifest) and not session_lab.owned(manifest):
        if _healthy(manifest):
            yield manifest
            return
        if not (secrets_dir(manifest) / "airflow-passwords.json").is_file():
            pytest.exit(
                f"a lab is running ({PROJECT_NAME}) but its secrets are not in {secrets_dir(manifest)}: "
                "it was started from another checkout. Stop it from there (`labctl down --volumes`) "
                "or run the tests in that checkout.",
                returncode=3,
            )
        # A lab that is still starting (or restarting) is waited for, not replaced.
        lab.wait_healthy(manifest, workers=lab.running_workers(manifest), timeout=900)
        yield manifest
        return
    if not lab.containers(manifest):
        session_lab.start(manifest)
    _OWN_LAB.append(True)
    session_lab.adopt()
    try:
        lab.wait_healthy(manifest, workers=session_lab.SESSION_WORKERS, timeout=900)
        yield manifest
    finally:
        session_lab.remove(manifest)


def edge(argv: list[str], *, check: bool = True, stdin_data: bytes | None = None) -> str:
    """Run a command on the lab's edge node (the Airflow scheduler container)."""
    return eng.exec_in(EDGE_SERVICE, argv, check=check, stdin_data=stdin_data)[1]
