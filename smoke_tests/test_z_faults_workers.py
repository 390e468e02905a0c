"""A worker lost in the middle of the jobs: with `--workers 2`, stopping a DataNode or a
NodeManager while the pipeline's YARN jobs run still ends in a successful DAG run whose
every query equals the oracle over the raw zone.

It needs two workers: a lab the test session starts has them from the start; a running lab
with another count is reshaped (so the file runs after the other tests), and goes back to
the count it had at the end of the session, the way a user does: `labctl up --workers 1`
copies every block to each DataNode, then restarts the lab.
"""

from __future__ import annotations

import re
import time

import pytest
import requests

from conftest import edge
from labctl.core import addresses as ab
from labctl.core import engine as eng
from labctl.core import lab, runs
from labctl.core.airflow_api import AirflowAPI
from labctl.core.manifest import PROJECT_NAME
from queries import QUERIES, assert_query_answers, expected_over_raw_zone


def _container(service: str, number: int):
    engine = eng.client()
    return engine.containers.get(f"{PROJECT_NAME}-{service}-{number}")


def _rm(manifest, path: str) -> dict:
    url = f"{ab.lab_from_host(manifest).resourcemanager}/ws/v1/cluster/{path}"
    return requests.get(url, timeout=10).json()


TWO_REPLICAS = ("/lake", "/hbase")


def _under_replicated() -> int:
    count = 0
    for path in TWO_REPLICAS:
        report = edge(["bash", "-c", f"HADOOP_USER_NAME=hadoop hdfs fsck {path} 2>/dev/null"], check=False)
        found = re.search(r"Under-replicated blocks:\s+(\d+)", report)
        assert found, f"fsck {path} printed no count: {report[-500:]}"
        count += int(found.group(1))
    return count


@pytest.fixture(scope="session")
def two_workers(lab_stack):
    before = lab.running_workers(lab_stack)
    if before != 2:
        # A lab the session started has two workers already (conftest.SESSION_WORKERS).
        lab.up(lab_stack, workers=2, timeout=900)
    # Files written under one worker have one replica: give the lake's and HBase's two, so
    # that either DataNode can go (job history and logs may stay single). `setrep -w` would
    # also wait for files still open, HBase's WALs, which roll onto two replicas later;
    # fsck leaves open files out.
    edge(["bash", "-c", f"HADOOP_USER_NAME=hadoop hdfs dfs -setrep 2 {' '.join(TWO_REPLICAS)} >/dev/null"])
    deadline = time.monotonic() + 900
    while (under := _under_replicated()) > 0:
        assert time.monotonic() < deadline, f"{under} blocks under-replicated after 900 s"
        time.sleep(5)
    api = AirflowAPI(lab_stack)
    runs.wait_idle(api)
    runs.unpause(api)  # a paused DAG's runs never start
    yield api
    # The user's path back: blocks written while a DataNode was stopped may have their one
    # replica on the DataNode that goes; `up` copies every block everywhere first.
    if before != 2 and lab.running_workers(lab_stack) == 2:
        lab.up(lab_stack, workers=before, timeout=900)


def _busy_nodemanager(manifest, timeout: float = 600) -> tuple[str, int]:
    """Once a YARN application runs containers: the host of a NodeManager holding some, and how many."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for node in _rm(manifest, "nodes").get("nodes", {}).get("node", []):
            if node.get("numContainers", 0) > 0 and node["state"] == "RUNNING":
                return node["nodeHostName"], node["numContainers"]
        time.sleep(0.5)
    raise AssertionError(f"no YARN container ran within {timeout:.0f} s of the trigger")


@pytest.mark.parametrize("service", ["nodemanager", "datanode"])
def test_a_worker_stopped_during_the_jobs_still_gives_a_correct_run(two_workers, lab_stack, service):
    api = two_workers
    dag_run_id = runs.trigger(api, {})
    victim = None
    try:
        # The victim goes while the jobs run: a NodeManager holding containers of the
        # pipeline's application (tasks, maybe its ApplicationMaster), or a DataNode then.
        host, on_node = _busy_nodemanager(lab_stack)
        if service == "nodemanager":
            victim = next(c for c in (_container("nodemanager", n) for n in (1, 2)) if c.attrs["Config"]["Hostname"] == host)
        else:
            victim = _container("datanode", 2)
        victim.stop(timeout=10)
        state = runs.wait_run(api, dag_run_id, timeout=1800)
    finally:
        if victim is not None:
            victim.start()
    assert on_node > 0
    assert state == "success", f"the run with {victim.name} stopped ended {state}"
    expected = expected_over_raw_zone()
    for name in sorted(QUERIES):
        assert_query_answers(name, expected)
