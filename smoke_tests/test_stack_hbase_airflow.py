"""HBase through Thrift (happybase), Airflow's REST API, what the lab exposes and how its
daemons run."""

from __future__ import annotations

import uuid

import requests

from labctl.core import addresses as ab
from labctl.core import clients
from labctl.core import engine as eng
from labctl.core.airflow_api import AirflowAPI
from labctl.core.manifest import PROJECT_NAME


def test_happybase_put_get_scan(lab_stack):
    manifest = lab_stack
    connection = clients.thrift(addresses=ab.lab_from_host(manifest), timeout=30)
    table_name = f"smoke_{uuid.uuid4().hex[:8]}"
    connection.create_table(table_name, {"f": {"max_versions": 1}})
    try:
        table = connection.table(table_name)
        rows = {f"row-{i:03d}".encode(): {b"f:n": str(i * i).encode()} for i in range(50)}
        with table.batch(batch_size=20) as batch:
            for key, data in rows.items():
                batch.put(key, data)
        assert table.row(b"row-007") == {b"f:n": b"49"}
        scanned = dict(table.scan(row_start=b"row-010", row_stop=b"row-020"))
        assert scanned == {key: value for key, value in rows.items() if b"row-010" <= key < b"row-020"}
    finally:
        connection.delete_table(table_name, disable=True)
        connection.close()


def test_airflow_api_lists_dags_with_login_and_refuses_without(lab_stack):
    manifest = lab_stack
    api = AirflowAPI(manifest)
    listed = api.get("/dags")
    assert "dags" in listed and listed["total_entries"] == len(listed["dags"])
    anonymous = requests.get(f"{api.base}/api/v2/dags", timeout=10)
    assert anonymous.status_code in (401, 403)


def test_published_ports_bind_to_loopback(lab_stack):
    engine = eng.client()
    bound = []
    for container in engine.containers.list(filters={"label": f"com.docker.compose.project={PROJECT_NAME}"}):
        for bindings in (container.attrs["NetworkSettings"]["Ports"] or {}).values():
            bound += [binding["HostIp"] for binding in bindings or []]
    assert bound, "the lab publishes no port at all"
    assert set(bound) == {lab_stack.bind_address}


# Coordinating daemons run C1 alone (a third less CPU to start the lab); the daemons that
# carry the data keep C2 (stack/images/jvm/bin/lab-daemon, docs/benchmarks.md).
COORDINATING = ("NAMENODE", "RESOURCEMANAGER", "NODEMANAGER", "JOBHISTORY", "ZOOKEEPER", "HBASE_MASTER")
CARRYING_DATA = ("DATANODE", "HBASE_REGIONSERVER", "HBASE_THRIFT")


def test_coordinating_daemons_compile_with_c1_alone_and_data_daemons_keep_c2(lab_stack):
    engine = eng.client()
    java_lines = {}
    for key in COORDINATING + CARRYING_DATA:
        service = ab.service(key, lab_stack)
        containers = engine.containers.list(filters={"label": ab.service_labels(service, lab_stack)})
        assert containers, f"no running container of {service}"
        top = containers[0].top(ps_args="-o pid,args")
        lines = [" ".join(process) for process in top["Processes"] if "java" in " ".join(process)]
        assert len(lines) == 1, f"{service}: expected one JVM, saw {lines}"
        java_lines[key] = lines[0]
    on_c1 = {key for key, line in java_lines.items() if "-XX:TieredStopAtLevel=1" in line.split()}
    assert on_c1 == set(COORDINATING)
