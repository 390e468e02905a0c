"""`labctl shell`: an interactive shell in a lab container, through the docker CLI.

The Docker SDK can open an exec with a TTY, but relaying a terminal (raw mode, window
resizes, signals) is exactly what `docker exec -it` does; labctl hands over to it."""

from __future__ import annotations

import shutil

from labctl.core.edge import EDGE_ENV
from labctl.core.errors import LabError

# What a shell on the edge node needs to run labctl there as a task would; no secret.
SHELL_ENV = {key: value for key, value in EDGE_ENV.items() if key != "COLUMNS"}


def docker_cli() -> str:
    found = shutil.which("docker")
    if found is None:
        raise LabError("`labctl shell` needs the docker command-line client", hint="install it (Debian: apt-get install docker.io), or use `labctl exec -- CMD`")
    return found


def shell_argv(container: str, *, user: str | None, tty: bool, edge: bool, docker: str | None = None) -> list[str]:
    """`docker exec -i[t] [-u USER] [-e ...] CONTAINER bash`; -t only with a terminal on stdin."""
    argv = [docker or docker_cli(), "exec", "-it" if tty else "-i"]
    if user:
        argv += ["--user", user]
    if edge:
        for key, value in SHELL_ENV.items():
            argv += ["--env", f"{key}={value}"]
    return [*argv, container, "bash"]
