"""The lab as seen from inside its network, and whether it can take a run."""

from __future__ import annotations

import os

import requests

NAMENODE = os.environ.get("LAB_NAMENODE_HTTP", "http://namenode:9870")
RESOURCEMANAGER = os.environ.get("LAB_RESOURCEMANAGER_HTTP", "http://resourcemanager:8088")
THRIFT_HOST = os.environ.get("LAB_HBASE_THRIFT_HOST", "hbase-thrift")
THRIFT_PORT = int(os.environ.get("LAB_HBASE_THRIFT_PORT", "9090"))
REPLAY_URL = os.environ.get("LAB_REPLAY_URL", "http://mastodon-replay:8000")
# A link the jvm image makes to lib/hadoop-streaming-$HADOOP_VERSION.jar: no version to keep in step.
STREAMING_JAR = "/opt/hadoop/hadoop-streaming.jar"
JOBS_DIR = "/opt/lab/src/jobs"


class ClusterNotReady(RuntimeError):
    pass


def default_recorded_instance() -> str:
    """The domain of the instance the replay server serves by default (its listing says which)."""
    listing = requests.get(f"{REPLAY_URL}/replay/instances", timeout=10).json()["instances"]
    return next(entry["domain"] for entry in listing if entry.get("default")) if listing else ""


def _bean(query: str) -> dict:
    beans = requests.get(f"{NAMENODE}/jmx", params={"qry": query}, timeout=10).json().get("beans") or [{}]
    return beans[0]


def check_cluster() -> dict[str, object]:
    """HDFS writable, YARN with NodeManagers, HBase's Thrift server answering."""
    from labctl.hbase.connection import connect

    if _bean("Hadoop:service=NameNode,name=NameNodeInfo").get("Safemode"):
        raise ClusterNotReady("HDFS is in safe mode")
    live = int(_bean("Hadoop:service=NameNode,name=FSNamesystemState").get("NumLiveDataNodes", 0))
    nodes = requests.get(f"{RESOURCEMANAGER}/ws/v1/cluster/metrics", timeout=10).json()["clusterMetrics"]["activeNodes"]
    if live < 1 or nodes < 1:
        raise ClusterNotReady(f"{live} DataNodes and {nodes} NodeManagers: need at least one of each")
    connection = connect(host=THRIFT_HOST, port=THRIFT_PORT, timeout_ms=30000)
    try:
        tables = len(connection.tables())
    finally:
        connection.close()
    return {"datanodes": live, "nodemanagers": nodes, "hbase_tables": tables}


def hbase_connection():
    """HBase through Thrift, with calls that are safe to repeat retried after a drop
    (labctl/hbase/connection.py): the loader, the quality check, publish, retention."""
    from labctl.hbase.connection import connect

    return connect(host=THRIFT_HOST, port=THRIFT_PORT, timeout_ms=120000)
