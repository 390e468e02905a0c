"""Run labctl itself on the lab's edge node (an Airflow container).

Inside the lab network the lake is WebHDFS at namenode:9870 and its DataNodes
resolve; from the host they do not (WebHDFS redirects writes to DataNode
hostnames). So commands that touch the lake run `python -m labctl ...` on the
edge node, where the repository's labctl/ is mounted; the host only forwards.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from labctl.core import engine as eng
from labctl.core.manifest import upload_dir

EDGE_SERVICE = "airflow-scheduler"
EDGE_USER = "airflow"
EDGE_UID = 50000
LAKE_URL = "http://namenode:9870"
EDGE_ENV = {
    "LABCTL_LAKE": LAKE_URL,
    "LABCTL_ON_EDGE": "1",
    "COLUMNS": "120",
    "LAB_HBASE_THRIFT_HOST": "hbase-thrift",
    "LAB_HBASE_THRIFT_PORT": "9090",
    "LABCTL_PSEUDONYM_KEY_FILE": "/run/lab-secrets/pseudonym-key",
}


def run_labctl(args: list[str], *, environment: dict[str, str] | None = None, check: bool = False) -> tuple[int, str]:
    return eng.exec_in(EDGE_SERVICE, ["python", "-m", "labctl", *args], user=EDGE_USER, environment={**EDGE_ENV, **(environment or {})}, check=check)


def copy_to_edge(path: Path) -> str:
    """Copy a host file into the upload folder of the edge node; returns its path there.
    Readable by the edge's service user only: it holds statuses (personal data)."""
    folder = upload_dir()
    eng.exec_in(EDGE_SERVICE, ["install", "-d", "-m", "0700", "-o", str(EDGE_UID), folder], check=True)
    target = f"{folder}/{secrets.token_hex(4)}-{path.name}"
    eng.put_file(EDGE_SERVICE, target, path.read_bytes(), mode=0o600, owner=EDGE_UID)
    return target


def secret_file_on_edge(name: str, value: str) -> str:
    """A secret as a 0600 file owned by the edge user: never an argument or variable."""
    target = f"/run/lab-secrets/{name}"
    eng.put_file(EDGE_SERVICE, target, value.encode(), mode=0o600, owner=EDGE_UID)
    return target


def remove_on_edge(path: str) -> None:
    eng.exec_in(EDGE_SERVICE, ["rm", "-f", path], check=False)
