"""Prerequisites of the lab, each with how to fix it; `--fix` fixes what it can."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from docker.errors import DockerException

from labctl.core import compose as dc
from labctl.core import engine as eng
from labctl.core.errors import LabError
from labctl.core.addresses import project_label
from labctl.core.labs import port_is_free
from labctl.core.manifest import ENDPOINTS, Manifest

MIN_DISK_GIB = 15


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str
    # Figures for `doctor --json` beyond the sentence (the labs per profile).
    data: dict | None = None


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


@dataclass(frozen=True)
class ProfileFit:
    """What a lab of one resource profile was measured to use, and how many fit the engine."""

    name: str
    idle_mib: int | None
    after_run_mib: int | None
    labs: int | None  # None: the profile's memory after a run is not measured yet

    def as_dict(self) -> dict:
        return {"profile": self.name, "idle_mib": self.idle_mib, "after_run_mib": self.after_run_mib, "labs": self.labs}


def _measured(manifest: Manifest, profile: str, what: str) -> int | None:
    value = manifest.values.get(f"MEASURED_{profile.upper()}_{what}_MIB", "").strip()
    return int(value) if value else None


def profile_fits(manifest: Manifest, memory_bytes: int) -> list[ProfileFit]:
    """Labs of each profile that fit in the engine's memory, each counted at its measured
    memory a minute after a DAG run, once the host's reserve is set aside. Labs share the
    CPUs: more labs run their jobs slower, so memory alone decides how many fit."""
    room_mib = memory_bytes / 2**20 - int(manifest["HOST_RESERVE_MIB"])
    fits = []
    for name in manifest.profiles:
        after_run = _measured(manifest, name, "AFTER_RUN")
        labs = None if after_run is None else max(0, int(room_mib // after_run))
        fits.append(ProfileFit(name, _measured(manifest, name, "IDLE"), after_run, labs))
    return fits


def fitting_profile(fits: list[ProfileFit]) -> ProfileFit | None:
    """The roomiest measured profile of which one lab fits (the manifest lists standard first)."""
    measured = [fit for fit in fits if fit.labs]
    return max(measured, key=lambda fit: fit.after_run_mib) if measured else None


def _gib(mib: float) -> str:
    return f"{mib / 1024:.1f} GiB"


def _memory(resources: dict | None, manifest: Manifest) -> Finding:
    if resources is None:
        return Finding("engine memory", False, "unknown: no engine answers", "start the engine, then `labctl doctor` again")
    total = resources["memory_bytes"] / 1024**3
    fits = profile_fits(manifest, resources["memory_bytes"])
    chosen = fitting_profile(fits)
    reserve = int(manifest["HOST_RESERVE_MIB"])
    if chosen is not None:
        detail = f"{total:.1f} GiB for containers: the {chosen.name} profile fits (a lab uses {_gib(chosen.after_run_mib)} after a run, the host keeps {_gib(reserve)})"
        return Finding("engine memory", True, detail, "")
    smallest = min((fit for fit in fits if fit.after_run_mib), key=lambda fit: fit.after_run_mib, default=None)
    unmeasured = [fit.name for fit in fits if fit.after_run_mib is None]
    need = f"{_gib(smallest.after_run_mib + reserve)} for the {smallest.name} profile" if smallest else "more memory"
    detail = f"{total:.1f} GiB for containers: too little for any measured profile"
    fix = f"give the engine at least {need} (Docker Desktop: Settings, Resources)"
    if unmeasured:
        fix += f"; the {', '.join(unmeasured)} profile is not measured yet: try `labctl up --profile {unmeasured[0]}`"
    return Finding("engine memory", False, detail, fix)


def _labs(resources: dict | None, manifest: Manifest) -> Finding:
    """How many labs of each profile this engine holds (informative: never a failure)."""
    if resources is None:
        return Finding("labs on this engine", True, "unknown: no engine answers", "")
    fits = profile_fits(manifest, resources["memory_bytes"])
    parts = []
    for fit in fits:
        if fit.labs is None:
            parts.append(f"{fit.name}: not measured yet (benchmarks/stack.py --profile {fit.name} --after-run)")
        else:
            parts.append(f"{fit.name}: {fit.labs} ({_gib(fit.after_run_mib)} each after a run)")
    detail = "; ".join(parts) + f". This lab's profile: {manifest.profile}"
    return Finding("labs on this engine", True, detail, "", data={"profile": manifest.profile, "profiles": [fit.as_dict() for fit in fits]})


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
    """The chosen lab's published ports (a named lab's own, remembered in its state directory),
    ranges included, each free on the address it binds."""
    which = f"the lab {manifest.lab}" if manifest.lab else "the lab"
    if manifest.lab is not None and not manifest.remembered_ports:
        return Finding("free ports", True, f"{which} has no ports yet: its first `labctl --lab {manifest.lab} up` chooses free ones in {manifest['LAB_PORT_RANGE']}", "")
    if _lab_running(manifest):
        return Finding("free ports", True, f"{which} is running and holds its ports", "")
    busy = []
    ports = 0
    for endpoint in ENDPOINTS:
        first = manifest.port(endpoint.port_key)
        last = int(manifest.values.get(f"{endpoint.port_key}_LAST") or first)
        for port in range(first, last + 1):
            ports += 1
            if not port_is_free(manifest.host, port):
                busy.append(f"{port} ({endpoint.title})")
    if busy:
        fix = (f"stop what holds them, or edit {manifest.ports_file}" if manifest.lab else
               "stop what holds them, or set other ports in the environment (see stack/lab.env), e.g. AIRFLOW_UI_PORT=18080")
        return Finding("free ports", False, "in use: " + ", ".join(busy), fix)
    return Finding("free ports", True, f"all {ports} published ports of {which} free on {manifest.host}", "")


def _lab_running(manifest: Manifest) -> bool:
    if eng.engine_version() is None:
        return False
    try:
        return bool(eng.client(timeout=5).containers.list(filters={"label": project_label(manifest)}))
    except LabError:
        return False


def diagnose(manifest: Manifest, *, fix: bool) -> list[Finding]:
    engine = _engine(fix)
    resources = engine_resources() if engine.ok else None
    return [engine, _compose(), _memory(resources, manifest), _cpus(resources), _labs(resources, manifest), _disk(), _ports(manifest)]
