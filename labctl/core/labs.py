"""Several labs on one host: `labctl --lab NAME` chooses one, `labctl labs` lists them.

A named lab is its own compose project (LAB_PROJECT-NAME: its containers, volumes and
network), keeps its own state directory (LAB_STATE_DIR/labs/NAME: its secrets, so that no
login, key or token of one lab opens another; its profile; its ports) and publishes its own
ports, chosen free in LAB_PORT_RANGE at its first `up` and remembered in its ports.env. Every
lab runs the same images (LAB_IMAGE_NAMESPACE). The manifest does the rest: with LAB_NAME in
the environment, every Manifest() (compose's, the address book's, a forwarded command's, a
child process's) is the named lab's. Without it nothing changes: the default lab is the
manifest's project, ports and state directory, as it always was.

Labs are found from the engine's compose project labels, and from the state directories of
those that have no container now.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from docker.errors import DockerException, InvalidVersion

from labctl.core.addresses import LAB_NETWORK, LOOPBACK, PROJECT_LABEL, SERVICE_LABEL, listen_port, service, target_name
from labctl.core.errors import LabError
from labctl.core.manifest import DEFAULT_LAB, ENDPOINTS, PORTS_FILE, Manifest, endpoint, lab_name, published_port_keys

# The commands that make sense for a name no lab has yet (`up` creates it: ensure_ports);
# any other refuses it, rather than act on the default lab's ports.
BEFORE_CREATION = frozenset({None, "up", "down", "clean", "doctor", "labs", "version", "build", "completion", "bundle"})
# The ports `labctl labs` shows for each lab: address book entries.
MAIN_PORTS = ("AIRFLOW", "NAMENODE", "HBASE_THRIFT")


def select(name: str | None, command: str | None, environ: dict[str, str] | None = None) -> None:
    """`labctl --lab NAME COMMAND`: LAB_NAME=NAME for this process and its children, so that
    every manifest is NAME's. Inside a lab's network (the edge node running a forwarded
    command) the lab is the one it is in: nothing changes."""
    if name is None:
        return
    environ = os.environ if environ is None else environ
    if target_name(environ) == LAB_NETWORK:
        return
    lab_name({"LAB_NAME": name})  # a bad name is refused before anything changes
    environ["LAB_NAME"] = name
    manifest = Manifest(environ=dict(environ))
    if manifest.lab is not None and not manifest.remembered_ports and command not in BEFORE_CREATION:
        raise LabError(f"there is no lab {name!r} on this host yet", hint=f"`labctl --lab {name} up` creates it; `labctl labs` lists the labs")


def ensure_ports(manifest: Manifest) -> Manifest:
    """The lab `up` starts, with its ports: a new named lab's are chosen now."""
    if manifest.lab is None or manifest.remembered_ports:
        return manifest
    remember_ports(manifest, busy=engine_ports())
    return Manifest(manifest.path, manifest.environ)


def default_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment as the default lab sees it: LAB_NAME left out."""
    return {key: value for key, value in (os.environ if environ is None else environ).items() if key != "LAB_NAME"}


def manifest_of(name: str, environ: Mapping[str, str] | None = None) -> Manifest:
    """The manifest of the lab called `name` ("default" for the default lab)."""
    return Manifest(environ={**default_environ(environ), "LAB_NAME": name})


# --- Ports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """Published ports to choose together: one port, or the workers' contiguous range."""

    key: str
    size: int = 1
    last_key: str | None = None
    addresses: tuple[str, ...] = (LOOPBACK,)  # where each port must be free


def port_blocks(manifest: Manifest) -> list[Block]:
    """What a lab publishes, as the manifest file sizes it (a range spans LAB_MAX_WORKERS)."""
    file = Manifest(environ={})
    # Free on the bind address and on loopback: the notebook publishes there whatever
    # LAB_BIND_ADDRESS says (stack/docker-compose.yml).
    addresses = tuple(dict.fromkeys([manifest.bind_address or LOOPBACK, LOOPBACK]))
    blocks = []
    for found in ENDPOINTS:
        last_key = f"{found.port_key}_LAST"
        size = file.port(last_key) - file.port(found.port_key) + 1 if last_key in file.values else 1
        blocks.append(Block(found.port_key, size, last_key if last_key in file.values else None, addresses))
    return blocks


def port_is_free(host: str, port: int) -> bool:
    """Whether a listening socket could have this port on this address now."""
    with socket.socket() as sock:
        # A port left in TIME_WAIT by a closed connection is free for a server.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_range(manifest: Manifest) -> tuple[int, int]:
    low, _, high = manifest["LAB_PORT_RANGE"].partition("-")
    try:
        first, last = int(low), int(high)
    except ValueError:
        raise LabError(f"LAB_PORT_RANGE={manifest['LAB_PORT_RANGE']!r} is not FIRST-LAST", hint="e.g. LAB_PORT_RANGE=20000-32767 (stack/lab.env)") from None
    if not 0 < first <= last < 65536:
        raise LabError(f"LAB_PORT_RANGE={manifest['LAB_PORT_RANGE']!r} is not a range of ports", hint="e.g. LAB_PORT_RANGE=20000-32767 (stack/lab.env)")
    return first, last


def choose_ports(blocks: list[Block], first: int, last: int, taken: set[int], is_free: Callable[[str, int], bool] = port_is_free) -> dict[str, str]:
    """The lowest free port, or contiguous free range, of [first, last] for each block, none
    of them in `taken` (other labs' ports, running or not) nor bound by anything now."""
    taken = set(taken)
    chosen: dict[str, str] = {}
    for block in blocks:
        start = first
        while not all(port not in taken and all(is_free(host, port) for host in block.addresses) for port in range(start, start + block.size)):
            start += 1
            if start + block.size - 1 > last:
                raise LabError(f"no {block.size} free port{'s' if block.size > 1 else ''} in a row for {block.key} in LAB_PORT_RANGE {first}-{last}",
                               hint="`labctl labs` lists the labs holding ports; widen LAB_PORT_RANGE or remove a lab (`labctl --lab NAME clean`)")
        taken.update(range(start, start + block.size))
        chosen[block.key] = str(start)
        if block.last_key:
            chosen[block.last_key] = str(start + block.size - 1)
    return chosen


def ports_in(values: Mapping[str, str]) -> set[int]:
    """Every port a lab's manifest values publish, ranges spelled out."""
    ports: set[int] = set()
    for found in ENDPOINTS:
        port = int(values[found.port_key])
        last = int(values.get(f"{found.port_key}_LAST") or port)
        ports.update(range(port, last + 1))
    return ports


def reserved_ports(manifest: Manifest) -> set[int]:
    """The ports of every lab of this host but `manifest`'s, running or not: the default lab's
    and each named lab's ports.env."""
    base = Manifest(environ=default_environ(manifest.environ))
    ports = ports_in(base.values)
    if base.labs_dir.is_dir():
        for directory in base.labs_dir.iterdir():
            if directory.name != manifest.lab and (directory / PORTS_FILE).is_file() and name_of(f"{base.project}-{directory.name}", base.project):
                ports |= ports_in(manifest_of(directory.name, manifest.environ).values)
    return ports


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One labctl at a time chooses ports: two labs created at once would pick the same."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remember_ports(manifest: Manifest, *, busy: set[int] | None = None, is_free: Callable[[str, int], bool] = port_is_free) -> dict[str, str]:
    """Choose a named lab's ports and write them to its ports.env; a lab that has ports keeps
    them (they are its URLs, bookmarked, in students' notes). `busy`: ports the engine
    publishes that no socket shows (an engine without its userland proxy)."""
    if manifest.lab is None:
        raise LabError("the default lab's ports are the manifest's", hint="stack/lab.env, or a port exported in the environment")
    with _locked(manifest.labs_dir / ".ports.lock"):
        existing = Manifest(environ=dict(manifest.environ)).remembered_ports
        if existing:
            return existing
        first, last = port_range(manifest)
        chosen = choose_ports(port_blocks(manifest), first, last, reserved_ports(manifest) | set(busy or ()), is_free)
        manifest.state_dir.mkdir(parents=True, exist_ok=True)
        lines = [f"# The published ports of the lab {manifest.lab!r}, chosen free at its first `labctl --lab {manifest.lab} up`.",
                 f"# Edit them here if need be (then `labctl --lab {manifest.lab} up`); `labctl --lab {manifest.lab} clean` removes this file."]
        staged = manifest.ports_file.with_name(f".{PORTS_FILE}.tmp")
        staged.write_text("\n".join(lines + [f"{key}={value}" for key, value in chosen.items()]) + "\n")
        os.replace(staged, manifest.ports_file)
    return chosen


def engine_ports(engine=None) -> set[int]:
    """Host ports the engine's containers publish, running or stopped; none when no engine answers."""
    from labctl.core import engine as eng

    try:
        containers = (engine or eng.client(timeout=5)).containers.list(all=True)
    except (LabError, DockerException):
        return set()
    ports: set[int] = set()
    for container in containers:
        for bindings in ((container.attrs.get("HostConfig") or {}).get("PortBindings") or {}).values():
            for binding in bindings or []:
                low, _, high = (binding.get("HostPort") or "").partition("-")
                if low.isdigit():
                    ports.update(range(int(low), int(high or low) + 1))
    return ports


# --- The labs of this host ------------------------------------------------------------------


@dataclass
class LabInfo:
    name: str  # "default", or the name given with --lab
    project: str
    state: str  # running, partial, stopped
    containers: int
    running: int
    ports: dict[str, int | None]  # Airflow, NameNode, Thrift (address book keys)
    memory_mib: float | None  # its running containers' memory; None when none runs
    profile: str | None

    def as_dict(self) -> dict:
        return {"name": self.name, "project": self.project, "state": self.state, "containers": self.containers, "running": self.running,
                "ports": self.ports, "memory_mib": None if self.memory_mib is None else round(self.memory_mib), "profile": self.profile}


def name_of(project: str, default_project: str) -> str | None:
    """The lab a compose project is: the default one, a named one, or none of ours."""
    if project == default_project:
        return DEFAULT_LAB
    prefix = f"{default_project}-"
    if project.startswith(prefix):
        try:
            return lab_name({"LAB_NAME": project[len(prefix):]})
        except LabError:
            return None
    return None


def memory_mib(stats: Mapping) -> float:
    """A container's memory from one `docker stats` sample: cgroup usage less page cache,
    as benchmarks/stack.py measures the profiles (shared pages counted once)."""
    memory = stats.get("memory_stats") or {}
    detail = memory.get("stats") or {}
    return (memory.get("usage", 0) - detail.get("cache", detail.get("inactive_file", 0))) / 2**20


def _sample(container) -> float:
    try:
        try:
            # one_shot: a single sample now, not the two a second apart that CPU figures need.
            stats = container.stats(stream=False, one_shot=True)
        except InvalidVersion:  # an engine older than API 1.41
            stats = container.stats(stream=False)
        return memory_mib(stats)
    except DockerException:  # it stopped meanwhile
        return 0.0


def _published(containers: list, service_name: str, port: int) -> int | None:
    """The host port a service's first container publishes its in-network `port` on."""
    for container in sorted(containers, key=lambda c: c.name):
        if container.labels.get(SERVICE_LABEL) != service_name:
            continue
        for binding in (container.ports or {}).get(f"{port}/tcp") or []:
            if str(binding.get("HostPort", "")).isdigit():
                return int(binding["HostPort"])
    return None


def gather(engine, environ: Mapping[str, str] | None = None, *, memory: bool = True) -> list[LabInfo]:
    """Every lab of this host: those the engine has containers of, and those with a state
    directory and none (stopped with `labctl down`); the default lab first, then by name."""
    base = Manifest(environ=default_environ(environ))
    by_project: dict[str, list] = {}
    for container in engine.containers.list(all=True, filters={"label": PROJECT_LABEL}):
        by_project.setdefault(container.labels.get(PROJECT_LABEL, ""), []).append(container)
    names = {name for name in (name_of(project, base.project) for project in by_project) if name}
    if (base.state_dir / "secrets").is_dir():
        names.add(DEFAULT_LAB)
    if base.labs_dir.is_dir():
        for directory in base.labs_dir.iterdir():
            if directory.is_dir() and name_of(f"{base.project}-{directory.name}", base.project) == directory.name:
                names.add(directory.name)
    found = []
    for name in sorted(names, key=lambda name: (name != DEFAULT_LAB, name)):
        manifest = manifest_of(name, environ)
        containers = by_project.get(manifest.project, [])
        running = [container for container in containers if container.status == "running"]
        state = "running" if running and len(running) == len(containers) else "partial" if running else "stopped"
        ports = {key: _published(running, service(key, manifest), listen_port(key, manifest)) or manifest.port(endpoint(key).port_key) for key in MAIN_PORTS}
        found.append(LabInfo(name, manifest.project, state, len(containers), len(running), ports, None, manifest.profile if manifest.state_dir.is_dir() else None))
    if memory:
        _measure(found, by_project)
    return found


def _measure(found: list[LabInfo], by_project: dict[str, list]) -> None:
    """Each lab's memory: one sample of each running container, several at a time."""
    work = [(info, container) for info in found for container in by_project.get(info.project, []) if container.status == "running"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        samples = list(pool.map(lambda pair: _sample(pair[1]), work))
    for info in found:
        taken = [sample for (owner, _), sample in zip(work, samples) if owner is info]
        info.memory_mib = sum(taken) if taken else None
