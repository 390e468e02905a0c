"""`labctl status` figures against independent sources on the live lab: HDFS's
own admin report, YARN's node list, HBase's regions as Thrift lists them, and
Airflow's REST API asked directly. Counts can move while the lab works, so each
comparison is made between two reads of the figures that agree."""

from __future__ import annotations

import re
import time

import requests

from conftest import edge
from labctl.core import addresses as ab
from labctl.core import clients, figures
from labctl.core.runs import DAG_ID
from labctl.core.secrets import airflow_login

# hbase:meta and hbase:namespace: one region each, not listed by Thrift's getTableNames.
SYSTEM_REGIONS = 2


def steady(read_figure, read_independent, attempts: int = 5):
    """(figure, independent value) from a moment when the figure held still across the independent read."""
    for _ in range(attempts):
        before = read_figure()
        independent = read_independent()
        if read_figure() == before:
            return before, independent
        time.sleep(2)
    raise AssertionError("the figure kept changing; the lab is too busy to compare")


def layer(lab_stack, name: str) -> dict:
    result = figures.LAYERS[name](lab_stack)
    assert "unavailable" not in result
    return result


def test_hdfs_datanodes_and_capacity_match_dfsadmin_report(lab_stack):
    def report() -> str:
        # datanodeReport needs the HDFS superuser (simple authentication in the lab).
        return edge(["bash", "-c", "HADOOP_USER_NAME=hadoop hdfs dfsadmin -report -live"])

    (live, capacity), text = steady(lambda: (layer(lab_stack, "hdfs")["live_datanodes"], layer(lab_stack, "hdfs")["capacity_bytes"]), report)
    assert live == int(re.search(r"^Live datanodes \((\d+)\):", text, re.M).group(1))
    assert capacity == int(re.search(r"^Configured Capacity: (\d+)", text, re.M).group(1))


def test_yarn_active_nodes_match_yarn_node_list(lab_stack):
    active, listing = steady(lambda: layer(lab_stack, "yarn")["nodes_active"], lambda: edge(["bash", "-c", "yarn node -list -states RUNNING 2>/dev/null"]))
    assert active == int(re.search(r"Total Nodes:\s*(\d+)", listing).group(1))


def test_hbase_regions_match_the_regions_thrift_lists(lab_stack):
    def thrift_regions() -> int:
        connection = clients.thrift(addresses=ab.lab_from_host(lab_stack), timeout=30)
        try:
            return sum(len(connection.table(name).regions()) for name in connection.tables())
        finally:
            connection.close()

    (regions, per_server), listed = steady(lambda: (layer(lab_stack, "hbase")["regions"], [row["regions"] for row in layer(lab_stack, "hbase")["servers"]]), thrift_regions)
    assert regions == listed + SYSTEM_REGIONS
    # The region servers' own counts add up to the master's.
    assert sum(per_server) == regions


def test_last_dag_runs_match_the_airflow_api(lab_stack):
    base = ab.lab_from_host(lab_stack).airflow
    username, password = airflow_login(lab_stack)
    token = requests.post(f"{base}/auth/token", json={"username": username, "password": password}, timeout=20).json()["access_token"]

    def direct() -> list[tuple[str, str]]:
        response = requests.get(f"{base}/api/v2/dags/{DAG_ID}/dagRuns", params={"limit": 3, "order_by": "-run_after"}, headers={"Authorization": f"Bearer {token}"}, timeout=20)
        response.raise_for_status()
        return [(run["dag_run_id"], run["state"]) for run in response.json()["dag_runs"]]

    shown, asked = steady(lambda: [(run["run_id"], run["state"]) for run in figures.airflow(lab_stack, runs=3)["runs"]], direct)
    assert shown, "the pipeline has no DAG run yet: seed and run the lab first"
    assert shown == asked
