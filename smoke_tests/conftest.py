"""End-to-end tests against the real lab.

A running, healthy lab (`labctl up`) is used as it is and left running. With
none, the session starts one through testcontainers' DockerCompose on
stack/docker-compose.yml and removes it, volumes included, at the end.
"""

from __future__ import annotations

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
import side_stream  # noqa: E402

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


def _running_lab(manifest: Manifest) -> None:
    """A lab someone started, healthy (waited for while it starts; never replaced)."""
    if _healthy(manifest):
        return
    if not (secrets_dir(manifest) / "airflow-passwords.json").is_file():
        pytest.exit(
            f"a lab is running ({PROJECT_NAME}) but its secrets are not in {secrets_dir(manifest)}: "
            "it was started from another checkout. Stop it from there (`labctl down --volumes`) "
            "or run the tests in that checkout.",
            returncode=3,
        )
    lab.wait_healthy(manifest, workers=lab.running_workers(manifest), timeout=900)


@pytest.fixture(scope="session")
def lab_stack(manifest: Manifest):
    """The lab, healthy: the running one (left running), or the session's own (smoke_tests/
    session_lab.py: started here, removed at the end). The side process (smoke_tests/
    side_stream.py) starts once it is healthy, and ends before the lab is removed."""
    if side_stream.in_side_process():
        yield manifest  # the main session's lab: it removes it
        return
    own = not lab.containers(manifest) or session_lab.owned(manifest)
    try:
        if own:
            if not lab.containers(manifest):
                session_lab.start(manifest)
            _OWN_LAB.append(True)
            session_lab.adopt()
            lab.wait_healthy(manifest, workers=session_lab.SESSION_WORKERS, timeout=900)
        else:
            _running_lab(manifest)
        for side in _SIDE:
            side.start()
        yield manifest
    finally:
        for side in _SIDE:
            side.join()
        if own:
            session_lab.remove(manifest)


_SIDE: list[side_stream.SideStream] = []


def pytest_collection_modifyitems(session, config, items):
    """A session that will start its own lab hands the side files to a side process."""
    if side_stream.in_side_process() or lab.containers(Manifest()):
        return
    side = [item for item in items if item.path.name in side_stream.SIDE_FILES]
    kept = [item for item in items if item.path.name not in side_stream.SIDE_FILES]
    if not side or not kept:  # nothing would start the lab for the side process, or nothing to run beside
        return
    items[:] = kept
    config.hook.pytest_deselected(items=side)
    _SIDE.append(side_stream.SideStream([item.nodeid for item in side]))


def pytest_runtest_setup(item):
    if item.path.name in side_stream.WAIT_FOR_SIDE:
        for side in _SIDE:
            side.join()


def pytest_sessionfinish(session, exitstatus):
    """The side process's outcome is the session's too."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for side in _SIDE:
        code = side.join()
        if reporter is not None:
            reporter.write_line(f"side process ({len(side.nodeids)} tests, {side.log}): "
                                + ("never started" if code is None else f"exit status {code}"))
            reporter.write_line(side.summary())
        if code != 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def edge(argv: list[str], *, check: bool = True, stdin_data: bytes | None = None) -> str:
    """Run a command on the lab's edge node (the Airflow scheduler container)."""
    return eng.exec_in(EDGE_SERVICE, argv, check=check, stdin_data=stdin_data)[1]
