"""Run labctl itself on the lab's edge node (an Airflow container).

Inside the lab network the lake is WebHDFS at the NameNode and its DataNodes resolve;
from the host they do not (WebHDFS redirects writes to DataNode host names). So commands
that touch the lake run `python -m labctl ...` on the edge node, where the repository's
labctl/ and stack/lab.env are mounted, with the address book's `lab-network` target; the
host only forwards.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from labctl.core import engine as eng
from labctl.core.addresses import LAB_NETWORK, TARGET_ENV, service

EDGE_USER = "airflow"
EDGE_UID = 50000
# Where compose mounts the lab's secrets in the Airflow containers.
SECRETS_ON_EDGE = "/run/lab-secrets"
EDGE_ENV = {
    TARGET_ENV: LAB_NETWORK,
    "LABCTL_ON_EDGE": "1",
    "COLUMNS": "120",
    "LABCTL_PSEUDONYM_KEY_FILE": f"{SECRETS_ON_EDGE}/pseudonym-key",
}


def edge_service() -> str:
    """The compose service that is the edge node (LAB_EDGE_SERVICE in stack/lab.env)."""
    return service("EDGE")


def __getattr__(name: str) -> str:
    # EDGE_SERVICE reads the manifest when first asked for, not when labctl starts.
    if name == "EDGE_SERVICE":
        return edge_service()
    raise AttributeError(name)


def run_labctl(args: list[str], *, environment: dict[str, str] | None = None, check: bool = False) -> tuple[int, str]:
    return eng.exec_in(edge_service(), ["python", "-m", "labctl", *args], user=EDGE_USER, environment={**EDGE_ENV, **(environment or {})}, check=check)


def copy_to_edge(path: Path) -> str:
    """Copy a host file to the edge node; returns its path there."""
    target = f"/tmp/labctl-upload/{secrets.token_hex(4)}-{path.name}"
    eng.put_file(edge_service(), target, path.read_bytes(), mode=0o644, owner=EDGE_UID)
    return target


def secret_file_on_edge(name: str, value: str) -> str:
    """A secret as a 0600 file owned by the edge user: never an argument or variable."""
    target = f"{SECRETS_ON_EDGE}/{name}"
    eng.put_file(edge_service(), target, value.encode(), mode=0o600, owner=EDGE_UID)
    return target


def remove_on_edge(path: str) -> None:
    eng.exec_in(edge_service(), ["rm", "-f", path], check=False)
