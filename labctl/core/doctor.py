"""Prerequisites of the lab, each with how to fix it; `--fix` fixes what it can."""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from docker.errors import DockerException

from labctl.core import compose as dc
from labctl.core import engine as eng
from labctl.core.errors import LabError
from labctl.core.manifest import ENDPOINTS, PROJECT_NAME, Manifest

MIN_MEMORY_GIB = 8
MIN_DISK_GIB = 15


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str


def _engine(fix: bool) -> Finding:
    version = eng.engine_version()
    if version is None and fix:
        if not eng.can_install_engine():
            return Finding("Docker engine", False, "no engine answers, and this is not Debian/Ubuntu as root", "install Docker Engine (docs.docker.com/engine/install) and start it")
        try:
            eng.install_engine()
            eng.start_engine()
        except LabError as exc:
            return Finding("Docker engine", False, f"install/start failed: {exc.message}", exc.hint or "see /var/log/dockerd.log")
        version = eng.engine_version()
    if version is None:
        return Finding("Docker engine", False, "no engine answers on DOCKER_HOST or /var/run/docker.sock", "`labctl doctor --fix` (Debian/Ubuntu as root), or start Docker")
    return Finding("Docker engine", True, f"engine {version}", "")


def _compose() -> Finding:
    try:
        binary = dc.compose_binary()
    except LabError as exc:
        return Finding("Docker Compose", False, exc.message, exc.hint or "")
    return Finding("Docker Compose", True, binary, "")


MIN_CPUS = 2


def engine_resources(engine=None) -> dict | None:
    """What the engine gives containers (`docker info`): on Docker Desktop or in a VM it is
    not what the host has."""
    try:
        info = (engine or eng.client(timeout=5)).info()
    except (LabError, DockerException):
        return None
    return {"memory_bytes": int(info.get("MemTotal") or 0), "cpus": int(info.get("NCPU") or 0)}


def _memory(resources: dict | None) -> Finding:
    if resources is None:
        return Finding("engine memory", False, "unknown: no engine answers", "start the engine, then `labctl doctor` again")
    total = resources["memory_bytes"] / 1024**3
    ok = total >= MIN_MEMORY_GIB
    return Finding("engine memory", ok, f"{total:.1f} GiB for containers (the lab uses about 6)", f"give the engine at least {MIN_MEMORY_GIB} GiB (Docker Desktop: Settings, Resources)")


def _cpus(resources: dict | None) -> Finding:
    if resources is None:
        return Finding("engine CPUs", False, "unknown: no engine answers", "start the engine, then `labctl doctor` again")
    cpus = resources["cpus"]
    return Finding("engine CPUs", cpus >= MIN_CPUS, f"{cpus} CPU{'s' if cpus != 1 else ''} for containers", f"give the engine at least {MIN_CPUS} CPUs")


def _disk() -> Finding:
    root = Path("/var/lib/docker") if Path("/var/lib/docker").exists() else Path.home()
    free = shutil.disk_usage(root).free / 1024**3
    return Finding("disk", free >= MIN_DISK_GIB, f"{free:.0f} GiB free under {root}", f"free disk space: images and volumes want {MIN_DISK_GIB} GiB")


def _ports(manifest: Manifest) -> Finding:
    if _lab_running():
        return Finding("free ports", True, "the lab is running and holds its ports", "")
    busy = []
    for endpoint in ENDPOINTS:
        port = manifest.port(endpoint.port_key)
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((manifest.host, port))
            except OSError:
                busy.append(f"{port} ({endpoint.title})")
    if busy:
        return Finding("free ports", False, "in use: " + ", ".join(busy), "stop what holds them, or set other ports in the environment (see stack/lab.env), e.g. AIRFLOW_UI_PORT=18080")
    return Finding("free ports", True, f"all {len(ENDPOINTS)} published ports free on {manifest.host}", "")


def _lab_running() -> bool:
    if eng.engine_version() is None:
        return False
    try:
        return bool(eng.client(timeout=5).containers.list(filters={"label": f"com.docker.compose.project={PROJECT_NAME}"}))
    except LabError:
        return False


def diagnose(manifest: Manifest, *, fix: bool) -> list[Finding]:
    engine = _engine(fix)
    resources = engine_resources() if engine.ok else None
    return [engine, _compose(), _memory(resources), _cpus(resources), _disk(), _ports(manifest)]
