"""The Docker engine: reach it through the Docker SDK; install and start it where we can."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import docker
from docker.errors import DockerException

from labctl.core.errors import LabError
from labctl.core.proc import run

DOCKERD_LOG = Path("/var/log/dockerd.log")
DOCKERD_PID = Path("/var/run/docker.pid")


def client(timeout: int = 120) -> docker.DockerClient:
    """A connected client, or a LabError that says how to get an engine."""
    try:
        engine = docker.from_env(timeout=timeout)
        engine.ping()
        return engine
    except DockerException as exc:
        raise LabError(
            "no Docker engine answers",
            hint="run `labctl doctor --fix` (Debian/Ubuntu as root installs and starts one), "
            "or start Docker yourself and check DOCKER_HOST",
            details=str(exc),
        ) from exc


def engine_version() -> str | None:
    try:
        return docker.from_env(timeout=5).version().get("Version")
    except DockerException:
        return None


def can_install_engine() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def install_engine() -> None:
    """Debian's docker.io, the engine these machines were checked with."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if shutil.which("dockerd") is None:
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", "docker.io"], env=env)


def start_engine(wait_seconds: float = 60) -> None:
    """Start dockerd in the background (no systemd here), coping with a stale pid file."""
    if engine_version():
        return
    if DOCKERD_PID.exists():
        try:
            os.kill(int(DOCKERD_PID.read_text().strip() or "0"), 0)
        except (ProcessLookupError, ValueError):
            DOCKERD_PID.unlink(missing_ok=True)
    log = DOCKERD_LOG.open("ab")
    subprocess.Popen(["dockerd"], stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if engine_version():
            return
        time.sleep(1)
    tail = DOCKERD_LOG.read_text(errors="replace")[-2000:] if DOCKERD_LOG.exists() else ""
    raise LabError("dockerd did not answer within a minute", hint=f"see {DOCKERD_LOG}", details=tail)
