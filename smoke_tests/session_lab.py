"""The lab a test session starts for itself, and removes at its end.

The smoke session starts it in its `lab_stack` fixture when no lab exists; `scripts/test.sh`
runs the unit tests beside it meanwhile.

A marker in the lab's state directory says "started for a test session" and names the lab's
containers: only that lab is removed, volumes included, when the session ends. A lab someone
started (even after a session that crashed left its marker) has other containers, and is never
touched.
"""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

from labctl.core import compose as dc
from labctl.core import engine as eng
from labctl.core import images, lab
from labctl.core.addresses import project_label as lab_project_label
from labctl.core.manifest import OPTIONAL_SERVICES, STACK_DIR, Manifest
from labctl.core.secrets import ensure_secrets

# Two workers from the start: the worker-faults test needs them, and scaling a running lab up
# recreates every container (about 5 minutes).
SESSION_WORKERS = 2
MARKER = "smoke-session-lab"
# Manual runs only: a session crosses an hour, and the scheduled run then took a minute of the
# lab (or queued a test's own run behind it). Every `labctl up` of the session keeps it, or
# compose would recreate the Airflow containers with the other schedule (adopt() exports it).
SESSION_SETTINGS = {"PIPELINE_SCHEDULE": "none"}

# The reaper image (Ryuk) cannot be pulled here; the session removes its lab itself.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")


def marker(manifest: Manifest) -> Path:
    return manifest.state_dir / MARKER


def _compose(profiles: list[str] | None = None):
    from testcontainers.compose import DockerCompose

    # wait=False: compose's own wait reads the containers' health checks, which run once a
    # minute; lab.wait_healthy probes every service's endpoint each second instead.
    return DockerCompose(context=str(STACK_DIR), compose_file_name="docker-compose.yml", env_file="lab.env",
                         wait=False, build=False, keep_volumes=False, pull=False, profiles=profiles)


def start(manifest: Manifest) -> bool:
    """Start the session's lab (images built first if missing); False if a lab already exists."""
    if lab.containers(manifest):
        return False
    missing = images.missing_images(eng.client(), manifest)
    if missing:
        lab.build(manifest, only=missing, ca_bundle=images.default_ca_bundle(), no_cache=False)
    ensure_secrets(manifest)
    # Compose reads the environment `labctl up --workers 2` gives it, so labctl later sees the
    # lab it would have started.
    try:
        overrides = {**dc.worker_overrides(SESSION_WORKERS), **SESSION_SETTINGS}
        with mock.patch.dict(os.environ, dc.compose_env(manifest, overrides)):
            _compose().start()
    finally:  # a start that failed halfway still leaves a lab the session must remove
        identity = _identity(manifest)
        if identity:
            marker(manifest).write_text(identity)
    return True


def _identity(manifest: Manifest) -> str:
    """The lab's containers, by id: nothing recreates them between the start and the session
    adopting them, and a lab started since has others. (A volume's CreatedAt is no identity:
    the engine reads it from the volume folder, which changes when a container first uses it.)"""
    containers = eng.client().containers.list(all=True, filters={"label": lab_project_label(manifest)})
    return "".join(f"{container.id}\n" for container in sorted(containers, key=lambda c: c.id))


def owned(manifest: Manifest) -> bool:
    """Whether the lab there now is the one a test session started."""
    return marker(manifest).is_file() and marker(manifest).read_text() == _identity(manifest) != ""


def adopt() -> None:
    """The session owns the lab: the commands it runs (`labctl up` among them) see the lab's settings."""
    os.environ.update(SESSION_SETTINGS)


def remove(manifest: Manifest) -> None:
    """Down, volumes included; the marker goes with it."""
    try:
        # Every optional service's profile: without it compose keeps their volumes (a CI run
        # that started the notebook left its work volume behind).
        _compose(profiles=list(OPTIONAL_SERVICES)).stop(down=True)
    finally:
        marker(manifest).unlink(missing_ok=True)

