"""What "healthy" means for the lab, as data: each check reads the service's own
endpoint and says what it saw. `labctl up` waits for all of them; `labctl status`
runs them once.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from labctl.core import addresses as ab
from labctl.core import clients
from labctl.core.addresses import Bean
from labctl.core.airflow_api import AirflowAPI
from labctl.core.errors import ServiceUnreachable
from labctl.core.manifest import TRIGGERER_SERVICE, Manifest


class NotReady(Exception):
    """The service answers but is not in the required state yet (or does not answer)."""


@dataclass(frozen=True)
class Check:
    name: str
    service: str  # whose log to show when it fails
    probe: Callable[[Manifest, int], str]  # (manifest, workers) -> what it saw; raises NotReady
    hint: str


def _book(manifest: Manifest) -> ab.Addresses:
    return ab.current(manifest)


def _json(manifest: Manifest, base: str, path: str) -> dict:
    try:
        return clients.get_json(f"{base}{path}", timeout=_book(manifest).timeouts.probe)
    except (requests.RequestException, ValueError) as exc:
        raise NotReady(f"{path}: {exc.__class__.__name__}") from exc


def jmx_bean(manifest: Manifest, base: str, bean: str) -> dict:
    """One bean of a daemon's JMX (at `base`, an address book URL); NotReady until it is published."""
    try:
        # The path as the client factory spells it: a JMX query is written in one place.
        return clients.first_bean(_json(manifest, base, clients.jmx_url("", bean)), bean)
    except clients.UnexpectedAnswer as exc:
        raise NotReady(f"{exc} yet") from exc


def hdfs(manifest: Manifest, workers: int) -> str:
    namenode = _book(manifest).namenode
    info = jmx_bean(manifest, namenode, Bean.NAMENODE_INFO)
    state = jmx_bean(manifest, namenode, Bean.NAMENODE_STATE)
    live = int(state.get("NumLiveDataNodes", 0))
    if info.get("Safemode"):
        raise NotReady(f"in safe mode ({live} live DataNodes)")
    if live < workers:
        raise NotReady(f"{live}/{workers} DataNodes live")
    return f"out of safe mode, {live} live DataNodes"


def yarn(manifest: Manifest, workers: int) -> str:
    metrics = _json(manifest, _book(manifest).resourcemanager, "/ws/v1/cluster/metrics")["clusterMetrics"]
    active = int(metrics.get("activeNodes", 0))
    if active < workers:
        raise NotReady(f"{active}/{workers} NodeManagers RUNNING")
    return f"{active} NodeManagers RUNNING"


def jobhistory(manifest: Manifest, workers: int) -> str:
    info = _json(manifest, _book(manifest).jobhistory, "/ws/v1/history/info")["historyInfo"]
    return f"REST API answers (Hadoop {info.get('hadoopVersion')})"


def zookeeper(manifest: Manifest, workers: int) -> str:
    try:
        book = _book(manifest)
        with socket.create_connection(book.zookeeper, timeout=book.timeouts.probe) as sock:
            # `ruok` says imok as soon as the process runs; `srvr` only once it serves.
            sock.sendall(b"srvr")
            answer = sock.recv(4096).decode(errors="replace")
    except OSError as exc:
        raise NotReady(str(exc)) from exc
    mode = next((line for line in answer.splitlines() if line.startswith("Mode:")), None)
    if mode is None:
        raise NotReady(f"not serving: {answer.strip()[:120]}")
    return f"serving ({mode})"


def hbase(manifest: Manifest, workers: int) -> str:
    server = jmx_bean(manifest, _book(manifest).hbase_master, Bean.HBASE_MASTER_SERVER)
    if str(server.get("tag.isActiveMaster")).lower() != "true":
        raise NotReady("master not active yet")
    servers = int(server.get("numRegionServers", 0))
    if servers < workers:
        raise NotReady(f"{servers}/{workers} region servers")
    return f"master active, {servers} region servers"


PROBE_TABLE = "lab_probe"


def thrift(manifest: Manifest, workers: int) -> str:
    """A real round trip through the Thrift server: put, get and delete a row."""
    from thriftpy2.transport import TTransportException

    try:
        connection = clients.thrift(addresses=_book(manifest))
    except (TTransportException, OSError) as exc:
        raise NotReady(f"Thrift connection: {exc}") from exc
    try:
        if PROBE_TABLE.encode() not in connection.tables():
            connection.create_table(PROBE_TABLE, {"p": {"max_versions": 1}})
        table = connection.table(PROBE_TABLE)
        stamp = str(time.time_ns()).encode()
        table.put(b"probe", {b"p:t": stamp})
        if table.row(b"probe").get(b"p:t") != stamp:
            raise NotReady("read back a different value than written")
        table.delete(b"probe")
        if table.row(b"probe"):
            raise NotReady("the probe row survived its delete")
        return "put, get and delete round trip"
    except NotReady:
        raise
    except Exception as exc:  # Thrift surfaces HBase errors (region in transition...) as IOError
        raise NotReady(f"{exc.__class__.__name__}: {str(exc)[:160]}") from exc
    finally:
        connection.close()


def _airflow_health(manifest: Manifest, components: tuple[str, ...]) -> AirflowAPI:
    api = AirflowAPI(manifest, timeout=_book(manifest).timeouts.probe)
    try:
        health = api.health()
    except (requests.RequestException, ServiceUnreachable) as exc:
        raise NotReady(f"api server: {exc.__class__.__name__}") from exc
    unhealthy = [name for name in components if (health.get(name) or {}).get("status") != "healthy"]
    if unhealthy:
        raise NotReady("not healthy yet: " + ", ".join(unhealthy))
    return api


def airflow(manifest: Manifest, workers: int) -> str:
    # The triggerer is optional (`--with airflow-triggerer`): its own check below.
    api = _airflow_health(manifest, ("metadatabase", "scheduler", "dag_processor"))
    errors = api.import_errors()
    if errors:
        first = errors[0]
        raise DagImportError(f"{len(errors)} DAG import error(s); {first.get('filename')}: {first.get('stack_trace', '')[-600:]}")
    return "scheduler, dag processor healthy; no DAG import errors"


def triggerer(manifest: Manifest, workers: int) -> str:
    _airflow_health(manifest, ("triggerer",))
    return "heartbeats to the api server; runs deferred tasks"


def replay(manifest: Manifest, workers: int) -> str:
    title = _json(manifest, _book(manifest).replay, "/api/v1/instance").get("title")
    return f"serves the recording ({title})"


def alert_sink(manifest: Manifest, workers: int) -> str:
    _json(manifest, _book(manifest).alert_sink, "/health")
    return "takes alerts"


class DagImportError(Exception):
    """Not a matter of waiting: a DAG that does not import fails `up` at once."""


def _check(name: str, key: str, probe: Callable[[Manifest, int], str], hint: str) -> Check:
    """A check of the service of an address book entry (its log is shown when it fails)."""
    return Check(name, ab.service(key, Manifest(environ={})), probe, hint)


CHECKS = (
    _check("HDFS", "NAMENODE", hdfs, "a NameNode stuck in safe mode usually lacks DataNodes: see `labctl logs datanode`"),
    _check("YARN", "RESOURCEMANAGER", yarn, "NodeManagers register with the ResourceManager: see `labctl logs nodemanager`"),
    _check("JobHistory", "JOBHISTORY", jobhistory, "the JobHistory server needs HDFS out of safe mode"),
    _check("ZooKeeper", "ZOOKEEPER", zookeeper, "see `labctl logs zookeeper`"),
    _check("HBase", "HBASE_MASTER", hbase, "the master needs ZooKeeper and HDFS; region servers register with it"),
    _check("HBase Thrift", "HBASE_THRIFT", thrift, "happybase speaks Thrift v1 (buffered, binary) on the published Thrift port"),
    _check("Airflow", "AIRFLOW", airflow, "see `labctl logs airflow-scheduler` and `labctl logs airflow-dag-processor`"),
    _check("Mastodon replay", "MASTODON_REPLAY", replay, "see `labctl logs mastodon-replay` and `labctl replay show`"),
    _check("Alert sink", "ALERT_SINK", alert_sink, "see `labctl logs alert-sink`"),
)


def notebook(manifest: Manifest, workers: int) -> str:
    version = _json(manifest, _book(manifest).notebook, "/api").get("version")
    return f"JupyterLab's server {version} answers"


# Optional services (`labctl up --with NAME`): checked only when they were asked for.
OPTIONAL_CHECKS = {
    ab.service("NOTEBOOK", Manifest(environ={})): _check("JupyterLab", "NOTEBOOK", notebook, "see `labctl logs notebook`; its URL with the token: `labctl urls --show-passwords`"),
    TRIGGERER_SERVICE: Check("Airflow triggerer", TRIGGERER_SERVICE, triggerer, f"see `labctl logs {TRIGGERER_SERVICE}`"),
}

