"""End-to-end tests against the real lab.

A running, healthy lab (`labctl up`) is used as it is and left running. With
none, the session starts one through testcontainers' DockerCompose on
stack/docker-compose.yml and removes it, volumes included, at the end.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from unittest import mock

import pytest

from labctl.core import compose as dc
from labctl.core import engine as eng
from labctl.core import images, lab
from labctl.core.edge import EDGE_SERVICE
from labctl.core.errors import LabError
from labctl.core.manifest import PROJECT_NAME, STACK_DIR, Manifest
from labctl.core.secrets import ensure_secrets, secrets_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The reaper image (Ryuk) cannot be pulled here; the fixture cleans up itself.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")


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


# Workers of a lab the session starts itself (see lab_stack).
SESSION_WORKERS = 2
_OWN_LAB = []  # holds True once the session started the lab it will remove


def session_owns_lab() -> bool:
    """The lab goes with the session: tests need not put it back as they found it."""
    return bool(_OWN_LAB)


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return Manifest()


@pytest.fixture(scope="session")
def lab_stack(manifest: Manifest):
    """The lab, healthy: the running one, or one started (and removed) by testcontainers."""
    if _healthy(manifest):
        yield manifest
        return
    if lab.containers(manifest):
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
    from testcontainers.compose import DockerCompose

    engine = eng.client()
    missing = images.missing_images(engine, manifest)
    if missing:
        lab.build(manifest, only=missing, ca_bundle=images.default_ca_bundle(), no_cache=False)
    ensure_secrets(manifest)
    # wait=False: compose's own wait reads the containers' health checks, which run once a
    # minute; lab.wait_healthy probes every service's endpoint each second instead.
    stack = DockerCompose(context=str(STACK_DIR), compose_file_name="docker-compose.yml", env_file="lab.env", wait=False, build=False, keep_volumes=False, pull=False)
    # Compose reads the environment `labctl up --workers 2` gives it, so labctl later sees
    # the lab it would have started. Two workers from the start: the worker-faults test
    # needs them, and scaling a running lab up recreates every container (about 5 minutes).
    with mock.patch.dict(os.environ, dc.compose_env(manifest, dc.worker_overrides(SESSION_WORKERS))):
        stack.start()
    _OWN_LAB.append(True)
    try:
        lab.wait_healthy(manifest, workers=SESSION_WORKERS, timeout=900)
        yield manifest
    finally:
        stack.stop(down=True)


def edge(argv: list[str], *, check: bool = True, stdin_data: bytes | None = None) -> str:
    """Run a command on the lab's edge node (the Airflow scheduler container)."""
    return eng.exec_in(EDGE_SERVICE, argv, check=check, stdin_data=stdin_data)[1]
