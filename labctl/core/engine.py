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


def service_container(engine: docker.DockerClient, service: str):
    """The first running container of a compose service, found by its labels."""
    from labctl.core.addresses import service_labels

    found = engine.containers.list(filters={"label": service_labels(service), "status": "running"})
    if not found:
        raise LabError(f"no running container for service {service!r}", hint="start the lab with `labctl up`")
    return sorted(found, key=lambda c: c.name)[0]


def exec_in(service: str, argv: list[str], *, user: str | None = None, stdin_data: bytes | None = None, environment: dict[str, str] | None = None, check: bool = True) -> tuple[int, str]:
    """Run argv in a service's container (like `docker compose exec`), return (exit code, output).

    stdin_data is how secrets reach a process: never through argv or the environment.
    """
    engine = client()
    container = service_container(engine, service)
    if stdin_data is None:
        result = container.exec_run(argv, user=user or "", environment=environment, demux=False)
        code, output = result.exit_code, (result.output or b"").decode(errors="replace")
    else:
        code, output = _exec_with_stdin(engine, container, argv, user, stdin_data, environment)
    if check and code != 0:
        from labctl.core.errors import CommandError

        raise CommandError(["docker", "exec", container.name, *argv], code, output)
    return code, output


def _exec_with_stdin(engine, container, argv, user, data: bytes, environment) -> tuple[int, str]:
    import socket as _socket

    exec_id = engine.api.exec_create(container.id, argv, stdin=True, user=user or "", environment=environment)["Id"]
    sock = engine.api.exec_start(exec_id, socket=True)
    raw = sock._sock if hasattr(sock, "_sock") else sock
    raw.sendall(data)
    raw.shutdown(_socket.SHUT_WR)
    chunks = []
    while True:
        chunk = raw.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    raw.close()
    output = _demux(b"".join(chunks))
    return engine.api.exec_inspect(exec_id)["ExitCode"], output


def _demux(stream: bytes) -> str:
    """Docker multiplexes stdout/stderr in 8-byte framed chunks on a non-TTY exec."""
    out, position = [], 0
    while position + 8 <= len(stream):
        size = int.from_bytes(stream[position + 4 : position + 8], "big")
        out.append(stream[position + 8 : position + 8 + size])
        position += 8 + size
    return b"".join(out).decode(errors="replace")


def put_file(service: str, path: str, data: bytes, mode: int = 0o644, owner: int = 0) -> None:
    """Copy bytes into a service's container (docker cp), without touching the host's disk."""
    import io
    import tarfile
    import time as _time

    container = service_container(client(), service)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name=path.rsplit("/", 1)[-1])
        info.size, info.mode, info.mtime, info.uid, info.gid = len(data), mode, int(_time.time()), owner, owner
        tar.addfile(info, io.BytesIO(data))
    directory = path.rsplit("/", 1)[0] or "/"
    container.exec_run(["mkdir", "-p", directory])
    if not container.put_archive(directory, buffer.getvalue()):
        raise LabError(f"could not copy {path} into {container.name}")
