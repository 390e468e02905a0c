"""The lab's manifest, stack/lab.env: versions, ports, memory, paths.

docker compose reads the same file with --env-file, so labctl, compose, the
images (build arguments) and the docs (`labctl version --markdown`) share one
source of truth. A variable exported in the environment overrides the file,
exactly as compose's own interpolation does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from dotenv import dotenv_values

REPO_ROOT = Path(__file__).resolve().parents[2]
STACK_DIR = REPO_ROOT / "stack"
MANIFEST_FILE = STACK_DIR / "lab.env"
COMPOSE_FILE = STACK_DIR / "docker-compose.yml"
PROJECT_NAME = "mastolab"

VERSION_KEYS = (
    "LAB_IMAGE_TAG",
    "DEBIAN_RELEASE",
    "JAVA_PACKAGE",
    "HADOOP_VERSION",
    "HBASE_VERSION",
    "HBASE_HADOOP3_VERSION",
    "ZOOKEEPER_VERSION",
    "AIRFLOW_VERSION",
    "AIRFLOW_PROVIDERS",
    "POSTGRES_VERSION",
    "NOTEBOOK_PACKAGES",
)


@dataclass(frozen=True)
class WebEndpoint:
    """A published endpoint: what it is, which service serves it, the manifest key of its port."""

    title: str
    service: str
    port_key: str
    path: str = "/"
    scheme: str = "http"


# The endpoints users open; ports come from the manifest.
ENDPOINTS = (
    WebEndpoint("HDFS NameNode", "namenode", "NAMENODE_UI_PORT", "/dfshealth.html"),
    WebEndpoint("YARN ResourceManager", "resourcemanager", "RESOURCEMANAGER_UI_PORT", "/cluster"),
    WebEndpoint("MapReduce JobHistory", "historyserver", "JOBHISTORY_UI_PORT", "/jobhistory"),
    WebEndpoint("HBase Master", "hbase-master", "HBASE_MASTER_UI_PORT", "/master-status"),
    WebEndpoint("Airflow", "airflow-apiserver", "AIRFLOW_UI_PORT", "/"),
    WebEndpoint("HDFS DataNode", "datanode", "DATANODE_UI_PORT", "/datanode.html"),
    WebEndpoint("YARN NodeManager", "nodemanager", "NODEMANAGER_UI_PORT", "/node"),
    WebEndpoint("HBase RegionServer", "regionserver", "HBASE_REGIONSERVER_UI_PORT", "/rs-status"),
    WebEndpoint("Mastodon replay (REST API)", "mastodon-replay", "MASTODON_REPLAY_PORT", "/api/v1/instance"),
    WebEndpoint("Alert sink (labctl alerts)", "alert-sink", "ALERT_SINK_PORT", "/alerts"),
    WebEndpoint("HBase Thrift (happybase)", "hbase-thrift", "HBASE_THRIFT_PORT", "", "thrift"),
    WebEndpoint("ZooKeeper", "zookeeper", "ZOOKEEPER_PORT", "", "zk"),
    WebEndpoint("JupyterLab (labctl up --with notebook)", "notebook", "NOTEBOOK_PORT", "/lab"),
)

# Services off by default, each a compose profile of the same name: `labctl up --with NAME`.
OPTIONAL_SERVICES = ("notebook",)


class Manifest:
    """stack/lab.env with environment overrides."""

    def __init__(self, path: Path = MANIFEST_FILE, environ: dict[str, str] | None = None):
        self.path = path
        self._environ = os.environ if environ is None else environ

    @cached_property
    def values(self) -> dict[str, str]:
        raw = {key: value or "" for key, value in dotenv_values(self.path).items()}
        return {key: self._environ.get(key, value) for key, value in raw.items()}

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    def port(self, key: str) -> int:
        return int(self.values[key])

    @property
    def bind_address(self) -> str:
        return self.values["LAB_BIND_ADDRESS"]

    @property
    def host(self) -> str:
        """Where the host reaches published ports: loopback unless bound elsewhere."""
        address = self.bind_address
        return "127.0.0.1" if address in ("0.0.0.0", "127.0.0.1", "") else address

    def url(self, endpoint: WebEndpoint) -> str:
        port = self.port(endpoint.port_key)
        if endpoint.scheme == "http":
            return f"http://{self.host}:{port}{endpoint.path}"
        return f"{self.host}:{port}"

    @property
    def versions(self) -> dict[str, str]:
        return {key: self.values[key] for key in VERSION_KEYS}

    @property
    def state_dir(self) -> Path:
        return (STACK_DIR / self.values["LAB_STATE_DIR"]).resolve()

    def image(self, name: str) -> str:
        return f"mastolab/{name}:{self.values['LAB_IMAGE_TAG']}"
