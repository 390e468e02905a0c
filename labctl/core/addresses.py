"""The address book: where each service answers, seen from where labctl runs.

Every endpoint is written once, in stack/lab.env: the published ports (how the host reaches
the lab) and the `*_ADDRESS` entries (how the lab's containers reach each other). A target
says which applies:

- `lab`, the default: the lab from the host, through its published ports on LAB_BIND_ADDRESS;
- `lab-network`: the lab from inside its Docker network (the edge node, the DAG's tasks, the
  notebook), which compose says with LABCTL_TARGET;
- a cluster profile, a TOML file (`labctl --target FILE`, labctl/core/profile.py): an existing
  Hadoop, HBase and Airflow.

No other module spells a host, a port, a JMX bean or the compose project's name: they ask here,
and build their clients with labctl/core/clients.py (tests/architecture holds them to it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from labctl.core.manifest import Manifest
from labctl.core.profile import TIMEOUTS, read_profile, split_address

TARGET_ENV = "LABCTL_TARGET"
LAB = "lab"
LAB_NETWORK = "lab-network"
LOOPBACK = "127.0.0.1"
LOCALHOST = "localhost"
# The host's wildcard address: "every interface", for a server that must be reachable from
# other containers (the alert sink, the replay server in compose).
ANY_ADDRESS = "0.0.0.0"

# Before the address book, these variables pointed the DAG's steps and the edge node at the
# lab's services (docs/architecture.md named them for a cluster): they still override it.
LEGACY_OVERRIDES = ("LAB_NAMENODE_HTTP", "LAB_RESOURCEMANAGER_HTTP", "LAB_HBASE_THRIFT_HOST", "LAB_HBASE_THRIFT_PORT", "LAB_REPLAY_URL")


class Bean:
    """The JMX beans labctl reads (labctl/core/clients.py's jmx_bean reads any of them)."""

    NAMENODE_INFO = "Hadoop:service=NameNode,name=NameNodeInfo"
    NAMENODE_STATE = "Hadoop:service=NameNode,name=FSNamesystemState"
    NAMENODE_SYSTEM = "Hadoop:service=NameNode,name=FSNamesystem"
    HBASE_MASTER_SERVER = "Hadoop:service=HBase,name=Master,sub=Server"
    HBASE_MASTER_ASSIGNMENT = "Hadoop:service=HBase,name=Master,sub=AssignmentManager"
    HBASE_REGIONSERVER_SERVER = "Hadoop:service=HBase,name=RegionServer,sub=Server"
    HBASE_REGIONSERVER_REGIONS = "Hadoop:service=HBase,name=RegionServer,sub=Regions"


@dataclass(frozen=True)
class Timeouts:
    """Seconds a client waits for an answer (stack/lab.env, or the profile's [timeouts])."""

    webhdfs: float
    thrift: float  # a query, a health probe, deploying the schema
    thrift_load: float  # the DAG's batch loads into HBase
    rest: float  # a REST or JMX read, Airflow's API
    probe: float  # one health check of `labctl up`
    status: float  # each of `labctl status`'s figures

    @classmethod
    def of(cls, values: Mapping[str, str]) -> Timeouts:
        """From the manifest: WEBHDFS_TIMEOUT, THRIFT_TIMEOUT..."""
        return cls(**{name: float(values[f"{name.upper()}_TIMEOUT"]) for name in TIMEOUTS})


@dataclass(frozen=True)
class Addresses:
    """Where each service answers for one target. URLs have no trailing slash; a service the
    target has not (the replay server on a cluster) is None."""

    target: str
    namenode: str  # the NameNode's web server: WebHDFS and its JMX
    resourcemanager: str  # YARN's REST API and UI
    jobhistory: str | None  # MapReduce's JobHistory server
    hbase_master: str | None  # its web UI and JMX
    regionservers: tuple[str, ...]  # each region server's web server (its JMX), as far as known
    thrift: tuple[str, int]  # HBase's Thrift v1 server, what happybase speaks
    zookeeper: tuple[str, int] | None
    airflow: str  # Airflow's API server (REST API v2 under /api/v2)
    timeouts: Timeouts
    replay: str | None = None  # the lab's Mastodon replay server
    alert_sink: str | None = None
    notebook: str | None = None
    # A cluster profile's: a file of the Airflow login (TOML, `username` and `password`);
    # the cluster's client configuration folders (the Hadoop and HBase *-site.xml).
    credentials_file: Path | None = None
    hadoop_conf_dir: Path | None = None
    hbase_conf_dir: Path | None = None
    lake_root: str = "/lake"
    hdfs_users: Mapping[str, str] = field(default_factory=dict)  # lab user name -> the cluster's
    # A DataNode as WebHDFS's redirects name it (host:port) -> the URL that reaches it from here.
    datanodes: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_lab(self) -> bool:
        """The lab, from the host or from inside: docker exec, compose and the lab's secrets apply."""
        return self.target in (LAB, LAB_NETWORK)

    @property
    def inside_lab(self) -> bool:
        return self.target == LAB_NETWORK

    @property
    def thrift_address(self) -> str:
        return f"{self.thrift[0]}:{self.thrift[1]}"

    def hdfs_user(self, name: str) -> str:
        """The HDFS user the lab calls `name` (collector, etl, engineer...), on this target."""
        return self.hdfs_users.get(name, name)


def target_name(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(TARGET_ENV) or LAB


def current(manifest: Manifest | None = None, target: str | None = None, environ: Mapping[str, str] | None = None) -> Addresses:
    """The address book for `target` (default: LABCTL_TARGET, else the lab from the host)."""
    env = os.environ if environ is None else environ
    manifest = manifest or Manifest(environ=dict(env))
    name = target or target_name(env)
    if name == LAB:
        found = lab_from_host(manifest)
    elif name == LAB_NETWORK:
        found = lab_network(manifest)
    else:
        found = _from_profile(Path(name), Timeouts.of(manifest.values))
    return with_overrides(found, env)


def with_overrides(addresses: Addresses, environ: Mapping[str, str]) -> Addresses:
    changes: dict = {}
    if environ.get("LAB_NAMENODE_HTTP"):
        changes["namenode"] = environ["LAB_NAMENODE_HTTP"].rstrip("/")
    if environ.get("LAB_RESOURCEMANAGER_HTTP"):
        changes["resourcemanager"] = environ["LAB_RESOURCEMANAGER_HTTP"].rstrip("/")
    if environ.get("LAB_REPLAY_URL"):
        changes["replay"] = environ["LAB_REPLAY_URL"].rstrip("/")
    if environ.get("LAB_HBASE_THRIFT_HOST") or environ.get("LAB_HBASE_THRIFT_PORT"):
        host = environ.get("LAB_HBASE_THRIFT_HOST") or addresses.thrift[0]
        changes["thrift"] = (host, int(environ.get("LAB_HBASE_THRIFT_PORT") or addresses.thrift[1]))
    return replace(addresses, **changes) if changes else addresses


def _from_profile(path: Path, defaults: Timeouts) -> Addresses:
    fields = read_profile(path, {name: getattr(defaults, name) for name in TIMEOUTS})
    return Addresses(**{**fields, "timeouts": Timeouts(**fields["timeouts"])})


def _published(manifest: Manifest, port_key: str, scheme: str = "http") -> str:
    return f"{scheme}://{manifest.host}:{manifest.port(port_key)}"


def lab_from_host(manifest: Manifest) -> Addresses:
    """The lab through its published ports."""
    first, last = manifest.port("HBASE_REGIONSERVER_UI_PORT"), manifest.port("HBASE_REGIONSERVER_UI_PORT_LAST")
    return Addresses(
        target=LAB,
        namenode=_published(manifest, "NAMENODE_UI_PORT"),
        resourcemanager=_published(manifest, "RESOURCEMANAGER_UI_PORT"),
        jobhistory=_published(manifest, "JOBHISTORY_UI_PORT"),
        hbase_master=_published(manifest, "HBASE_MASTER_UI_PORT"),
        # Region server replicas publish their UI on the first free port of this range.
        regionservers=tuple(f"http://{manifest.host}:{port}" for port in range(first, last + 1)),
        thrift=(manifest.host, manifest.port("HBASE_THRIFT_PORT")),
        zookeeper=(manifest.host, manifest.port("ZOOKEEPER_PORT")),
        airflow=_published(manifest, "AIRFLOW_UI_PORT"),
        replay=_published(manifest, "MASTODON_REPLAY_PORT"),
        alert_sink=_published(manifest, "ALERT_SINK_PORT"),
        notebook=f"http://{LOOPBACK}:{manifest.port('NOTEBOOK_PORT')}",  # loopback only, always
        timeouts=Timeouts.of(manifest.values),
    )


def _inside(manifest: Manifest, key: str) -> str:
    return f"http://{manifest[key]}"


def lab_network(manifest: Manifest) -> Addresses:
    """The lab from one of its own containers: service names, standard ports."""
    return Addresses(
        target=LAB_NETWORK,
        namenode=_inside(manifest, "NAMENODE_ADDRESS"),
        resourcemanager=_inside(manifest, "RESOURCEMANAGER_ADDRESS"),
        jobhistory=_inside(manifest, "JOBHISTORY_ADDRESS"),
        hbase_master=_inside(manifest, "HBASE_MASTER_ADDRESS"),
        regionservers=(_inside(manifest, "HBASE_REGIONSERVER_ADDRESS"),),
        thrift=split_address(manifest["HBASE_THRIFT_ADDRESS"]),
        zookeeper=split_address(manifest["ZOOKEEPER_ADDRESS"]),
        airflow=_inside(manifest, "AIRFLOW_ADDRESS"),
        replay=_inside(manifest, "MASTODON_REPLAY_ADDRESS"),
        alert_sink=_inside(manifest, "ALERT_SINK_ADDRESS"),
        notebook=_inside(manifest, "NOTEBOOK_ADDRESS"),
        timeouts=Timeouts.of(manifest.values),
    )


# --- The lab's services by name: compose's service names, which are their host names ---------


def service(key: str, manifest: Manifest | None = None) -> str:
    """The compose service of an address book entry: `service("HBASE_MASTER")` is the host
    part of HBASE_MASTER_ADDRESS; `service("EDGE")` is the edge node (LAB_EDGE_SERVICE)."""
    manifest = manifest or Manifest()
    if key == "EDGE":
        return manifest["LAB_EDGE_SERVICE"]
    return split_address(manifest[f"{key}_ADDRESS"])[0]


def listen_port(key: str, manifest: Manifest | None = None) -> int:
    """The port the lab's service of an address book entry listens on, inside the network."""
    return split_address((manifest or Manifest())[f"{key}_ADDRESS"])[1]


def project(manifest: Manifest | None = None) -> str:
    """The compose project: its containers carry it in their labels."""
    return (manifest or Manifest())["LAB_PROJECT"]


# The labels compose gives each container and volume: its project (one per lab), its service.
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


def project_label(manifest: Manifest | None = None) -> str:
    """The Docker label filter of the project's containers and volumes."""
    return f"{PROJECT_LABEL}={project(manifest)}"


def service_labels(service_name: str, manifest: Manifest | None = None) -> list[str]:
    """The Docker label filters of one service's containers."""
    return [project_label(manifest), f"{SERVICE_LABEL}={service_name}"]


def postgres_url(password: str, manifest: Manifest | None = None) -> str:
    """Airflow's metadata database, as the lab's Airflow containers reach it."""
    return f"postgresql+psycopg2://airflow:{password}@{(manifest or Manifest())['POSTGRES_ADDRESS']}/airflow"
