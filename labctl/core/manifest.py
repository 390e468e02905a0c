"""The lab's manifest, stack/lab.env: versions, ports, addresses, timeouts, memory, paths.

docker compose reads the same file with --env-file, so labctl, compose, the
images (build arguments) and the docs (`labctl version --markdown`) share one
source of truth. A variable exported in the environment overrides the file,
exactly as compose's own interpolation does. labctl/core/addresses.py is the
address book built on it: where each service answers, from the host or inside.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from dotenv import dotenv_values

from labctl.core.errors import LabError

REPO_ROOT = Path(__file__).resolve().parents[2]
STACK_DIR = REPO_ROOT / "stack"
MANIFEST_FILE = STACK_DIR / "lab.env"
COMPOSE_FILE = STACK_DIR / "docker-compose.yml"

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


def _file_values() -> dict[str, str]:
    """The manifest file as written (service names are not overridden by the environment)."""
    global _FILE_VALUES
    if _FILE_VALUES is None:
        _FILE_VALUES = {key: value or "" for key, value in dotenv_values(MANIFEST_FILE).items()}
    return _FILE_VALUES


_FILE_VALUES: dict[str, str] | None = None
# The compose project as the manifest file names it (smoke tests and benchmarks find the
# containers by it); labctl's commands use Manifest.project, which the environment overrides.
PROJECT_NAME = _file_values().get("LAB_PROJECT", "")
# The images' namespace: shared by every lab of the host, named or not.
IMAGE_NAMESPACE = _file_values().get("LAB_IMAGE_NAMESPACE", "")

# Several labs on one host (`labctl --lab NAME`, LAB_NAME). The default lab has no name (or
# says "default"); a named lab is its own compose project, with its own state directory under
# the default one, holding its secrets, its profile and the ports chosen for it.
DEFAULT_LAB = "default"
LABS_DIR = "labs"
PORTS_FILE = "ports.env"
# What compose accepts in a project name, short enough to read in `docker ps`.
_LAB_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


@dataclass(frozen=True)
class WebEndpoint:
    """A published endpoint: what it is, its entry in the address book (KEY_ADDRESS, whose host
    is the compose service), the manifest key of its published port."""

    title: str
    key: str
    port_key: str
    path: str = "/"
    scheme: str = "http"

    @property
    def service(self) -> str:
        """The compose service that serves it (the host part of its address)."""
        return _file_values().get(f"{self.key}_ADDRESS", "").rpartition(":")[0]


# The endpoints users open; ports come from the manifest.
ENDPOINTS = (
    WebEndpoint("HDFS NameNode", "NAMENODE", "NAMENODE_UI_PORT", "/dfshealth.html"),
    WebEndpoint("YARN ResourceManager", "RESOURCEMANAGER", "RESOURCEMANAGER_UI_PORT", "/cluster"),
    WebEndpoint("MapReduce JobHistory", "JOBHISTORY", "JOBHISTORY_UI_PORT", "/jobhistory"),
    WebEndpoint("HBase Master", "HBASE_MASTER", "HBASE_MASTER_UI_PORT", "/master-status"),
    WebEndpoint("Airflow", "AIRFLOW", "AIRFLOW_UI_PORT", "/"),
    WebEndpoint("HDFS DataNode", "DATANODE", "DATANODE_UI_PORT", "/datanode.html"),
    WebEndpoint("YARN NodeManager", "NODEMANAGER", "NODEMANAGER_UI_PORT", "/node"),
    WebEndpoint("HBase RegionServer", "HBASE_REGIONSERVER", "HBASE_REGIONSERVER_UI_PORT", "/rs-status"),
    WebEndpoint("Mastodon replay (REST API)", "MASTODON_REPLAY", "MASTODON_REPLAY_PORT", "/api/v1/instance"),
    WebEndpoint("Alert sink (labctl alerts)", "ALERT_SINK", "ALERT_SINK_PORT", "/alerts"),
    WebEndpoint("HBase Thrift (happybase)", "HBASE_THRIFT", "HBASE_THRIFT_PORT", "", "thrift"),
    WebEndpoint("ZooKeeper", "ZOOKEEPER", "ZOOKEEPER_PORT", "", "zk"),
    WebEndpoint("JupyterLab (labctl up --with notebook)", "NOTEBOOK", "NOTEBOOK_PORT", "/lab"),
)


def endpoint(key: str) -> WebEndpoint:
    """The published endpoint of an address book entry, e.g. endpoint("AIRFLOW")."""
    return next(found for found in ENDPOINTS if found.key == key)


def published_port_keys(values: dict[str, str]) -> list[str]:
    """Every manifest key of a published port: each endpoint's, and the last port of the
    workers' ranges (DATANODE_UI_PORT_LAST...)."""
    keys = []
    for found in ENDPOINTS:
        keys += [found.port_key] + ([f"{found.port_key}_LAST"] if f"{found.port_key}_LAST" in values else [])
    return keys


def lab_name(environ: Mapping[str, str]) -> str | None:
    """The named lab LAB_NAME chooses; None for the default lab (unset, empty or "default")."""
    name = (environ.get("LAB_NAME") or "").strip()
    if name in ("", DEFAULT_LAB):
        return None
    if not _LAB_NAME.fullmatch(name):
        raise LabError(f"{name!r} cannot name a lab", hint="a lab's name is up to 32 lower-case letters, digits, - and _, starting with a letter or digit")
    return name


# Services off by default, each a compose profile of the same name: `labctl up --with NAME`.
# Airflow's triggerer only runs deferred tasks, which the lab's DAG has none of.
TRIGGERER_SERVICE = "airflow-triggerer"
OPTIONAL_SERVICES = (endpoint("NOTEBOOK").service, TRIGGERER_SERVICE)

# Resource profiles (`labctl up --profile NAME`). The manifest's own memory values are the
# standard profile; another profile is the PROFILE_<NAME>_<KEY> lines that change them. The
# profile chosen last is remembered in the lab's state directory, which is per lab, so that
# every later command (up, down, a service recreated by `labctl replay set`) agrees with it.
STANDARD_PROFILE = "standard"
PROFILE_FILE = "profile"
_PROFILE_LINE = re.compile(r"PROFILE_([A-Z0-9]+)_([A-Z0-9_]+)")


def upload_dir() -> str:
    """The one folder of the edge node where files for `labctl seed/run --file` land, and the
    only one the DAG ingests from (LAB_UPLOAD_DIR in stack/lab.env; compose passes it to the
    Airflow containers, which have no stack/)."""
    folder = os.environ.get("LAB_UPLOAD_DIR") or Manifest().values.get("LAB_UPLOAD_DIR")
    if not folder:
        from labctl.core.errors import LabError

        raise LabError("LAB_UPLOAD_DIR is not set here (an Airflow container started before it existed?)",
                       hint="`labctl up` recreates the containers with the lab's current settings")
    return folder


class Manifest:
    """stack/lab.env with environment overrides; for a named lab (LAB_NAME), its project, its
    state directory and the ports remembered in it (its ports.env wins over the environment's
    ports, which are the default lab's)."""

    def __init__(self, path: Path = MANIFEST_FILE, environ: dict[str, str] | None = None):
        self.path = path
        self._environ = os.environ if environ is None else environ

    @property
    def environ(self) -> Mapping[str, str]:
        """The environment this manifest reads its overrides from."""
        return self._environ

    @cached_property
    def _file(self) -> dict[str, str]:
        return {key: value or "" for key, value in dotenv_values(self.path).items()}

    @cached_property
    def values(self) -> dict[str, str]:
        """The file, then the active profile's values, then the environment (which wins), then
        what makes a named lab its own."""
        merged = {**self._file, **self.profiles[self.profile], "LAB_PROFILE": self.profile}
        values = {key: self._environ.get(key, value) for key, value in merged.items()}
        if self.lab is not None:
            values.update(LAB_NAME=self.lab, LAB_PROJECT=f"{values['LAB_PROJECT']}-{self.lab}", LAB_STATE_DIR=str(self.state_dir))
            values.update(self.remembered_ports)
        return values

    @cached_property
    def lab(self) -> str | None:
        """This lab's name (`labctl --lab NAME`); None for the default lab."""
        return lab_name(self._environ)

    @property
    def ports_file(self) -> Path:
        return self.state_dir / PORTS_FILE

    @property
    def remembered_ports(self) -> dict[str, str]:
        """The published ports chosen for a named lab (labctl/core/labs.py); {} before its first
        `up`, and for the default lab, whose ports are the manifest's."""
        if self.lab is None or not self.ports_file.is_file():
            return {}
        keys = set(published_port_keys(self._file))
        return {key: value for key, value in dotenv_values(self.ports_file).items() if key in keys and value}

    @cached_property
    def profiles(self) -> dict[str, dict[str, str]]:
        """Each profile's values that differ from the manifest's own (standard: none)."""
        found: dict[str, dict[str, str]] = {STANDARD_PROFILE: {}}
        for key, value in self._file.items():
            match = _PROFILE_LINE.fullmatch(key)
            if not match:
                continue
            if match.group(2) not in self._file:
                raise LabError(f"{self.path.name}: {key} changes {match.group(2)}, which the manifest does not define", hint="a profile may only change values the manifest already has")
            found.setdefault(match.group(1).lower(), {})[match.group(2)] = value
        return found

    @property
    def profile_file(self) -> Path:
        return self.state_dir / PROFILE_FILE

    @cached_property
    def profile(self) -> str:
        """LAB_PROFILE from the environment, else the one the lab remembers, else the file's."""
        chosen = self._environ.get("LAB_PROFILE")
        if not chosen and self.profile_file.is_file():
            chosen = self.profile_file.read_text().strip()
        chosen = chosen or self._file.get("LAB_PROFILE") or STANDARD_PROFILE
        if chosen not in self.profiles:
            raise LabError(f"no resource profile {chosen!r}", hint=f"profiles: {', '.join(self.profiles)} (stack/lab.env); `labctl up --profile NAME` chooses one")
        return chosen

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
    def labs_dir(self) -> Path:
        """Where the named labs keep their state: under the default lab's."""
        return (STACK_DIR / self._environ.get("LAB_STATE_DIR", self._file["LAB_STATE_DIR"])).resolve() / LABS_DIR

    @property
    def state_dir(self) -> Path:
        # Read from the file and the environment only: the profile, itself in it, cannot move it.
        return self.labs_dir / self.lab if self.lab is not None else self.labs_dir.parent

    def remember_profile(self, name: str) -> "Manifest":
        """Make NAME the lab's profile from now on; the manifest as that profile sees it."""
        if name not in self.profiles:
            raise LabError(f"no resource profile {name!r}", hint=f"profiles: {', '.join(self.profiles)} (stack/lab.env)")
        self.profile_file.parent.mkdir(parents=True, exist_ok=True)
        self.profile_file.write_text(name + "\n")
        return Manifest(self.path, self._environ)

    @property
    def project(self) -> str:
        """The compose project: the containers' and volumes' label, their names' prefix."""
        return self.values["LAB_PROJECT"]

    def image(self, name: str) -> str:
        """An image of the lab: LAB_IMAGE_NAMESPACE, the same for every lab of the host."""
        return f"{self.values['LAB_IMAGE_NAMESPACE']}/{name}:{self.values['LAB_IMAGE_TAG']}"
