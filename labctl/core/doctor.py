"""Prerequisites of the lab, each with how to fix it; `--fix` fixes what it can."""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

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


def _memory() -> Finding:
    try:
        meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        available = int(meminfo["MemAvailable"].split()[0]) / 1024 / 1024
    except (OSError, KeyError, ValueError):
        return Finding("memory", True, "unknown (no /proc/meminfo)", "")
    ok = available >= MIN_MEMORY_GIB
    return Finding("memory", ok, f"{available:.1f} GiB available (the lab needs about 6)", f"free memory: the lab wants {MIN_MEMORY_GIB} GiB available")


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
    return [_engine(fix), _compose(), _memory(), _disk(), _ports(manifest)]
