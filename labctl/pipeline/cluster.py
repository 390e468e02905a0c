"""The cluster as the DAG's tasks see it, and whether it can take a run.

Where each service is comes from the address book (labctl/core/addresses.py): inside the
lab, compose gives the Airflow containers LABCTL_TARGET=lab-network; on a cluster, the
workers' LABCTL_TARGET names its profile (docs/cluster.md).
"""

from __future__ import annotations

import os

from labctl.core import addresses as ab
from labctl.core import clients
from labctl.core.addresses import Bean

# The jvm image links lib/hadoop-streaming-$HADOOP_VERSION.jar here: no version to keep in
# step. A cluster's workers name theirs (LAB_STREAMING_JAR), and where the jobs' scripts are.
STREAMING_JAR = os.environ.get("LAB_STREAMING_JAR") or "/opt/hadoop/hadoop-streaming.jar"
JOBS_DIR = os.environ.get("LAB_JOBS_DIR") or "/opt/lab/src/jobs"


class ClusterNotReady(RuntimeError):
    pass


def __getattr__(name: str):
    """The endpoints this module used to hold as constants, from the address book."""
    book = ab.current()
    legacy = {
        "NAMENODE": lambda: book.namenode,
        "RESOURCEMANAGER": lambda: book.resourcemanager,
        "THRIFT_HOST": lambda: book.thrift[0],
        "THRIFT_PORT": lambda: book.thrift[1],
        "REPLAY_URL": lambda: book.replay,
    }
    if name in legacy:
        return legacy[name]()
    raise AttributeError(name)


def replay_url(instance: str | None = None) -> str:
    """The lab's replay server; a recorded instance is a path prefix of it (its domain)."""
    base = ab.current().replay
    if base is None:
        raise ClusterNotReady("this target has no replay server: collect a live instance or files instead")
    return f"{base}/{instance}" if instance else base


def default_recorded_instance() -> str:
    """The domain of the instance the replay server serves by default (its listing says which)."""
    listing = clients.get_json(f"{replay_url()}/replay/instances", timeout=ab.current().timeouts.rest)["instances"]
    return next(entry["domain"] for entry in listing if entry.get("default")) if listing else ""


def check_cluster() -> dict[str, object]:
    """HDFS writable, YARN with NodeManagers, HBase's Thrift server answering."""
    book = ab.current()
    timeout = book.timeouts.rest
    if clients.jmx_bean(book.namenode, Bean.NAMENODE_INFO, timeout=timeout).get("Safemode"):
        raise ClusterNotReady("HDFS is in safe mode")
    live = int(clients.jmx_bean(book.namenode, Bean.NAMENODE_STATE, timeout=timeout).get("NumLiveDataNodes", 0))
    nodes = clients.get_json(f"{book.resourcemanager}/ws/v1/cluster/metrics", timeout=timeout)["clusterMetrics"]["activeNodes"]
    if live < 1 or nodes < 1:
        raise ClusterNotReady(f"{live} DataNodes and {nodes} NodeManagers: need at least one of each")
    from labctl.hbase.connection import connect

    connection = connect()
    try:
        tables = len(connection.tables())
    finally:
        connection.close()
    return {"datanodes": live, "nodemanagers": nodes, "hbase_tables": tables}


def hbase_connection():
    """HBase through Thrift for the DAG's loads, with the longer timeout of batch writes, and
    calls that are safe to repeat retried after a drop (labctl/hbase/connection.py): the
    loader, the quality check, publish, retention."""
    from labctl.hbase.connection import connect

    return connect(timeout=ab.current().timeouts.thrift_load)


def layout():
    """The lake's layout under the target's root: /lake in the lab, a profile's lake.root on a cluster."""
    from labctl.lake.layout import LakeLayout

    return LakeLayout(ab.current().lake_root)


def lake(user: str):
    """The lake, as the lab's HDFS user `user` (the target's name for it)."""
    from labctl.lake.fs import open_lake

    return open_lake(ab.current().hdfs_user(user))
