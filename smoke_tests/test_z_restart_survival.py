"""A restart keeps HDFS files, HBase rows and Airflow's run history (runs last: it restarts
the lab).

`labctl down` then `labctl up` with the workers the lab has. The way back from two workers
to one (`labctl up --workers 1`: every block copied to each DataNode, then the restart) is
not taken here: it made this file 505 s in CI against about 150 s for a plain restart, HBase
re-assigning the regions of the region server that goes. tests/stack/test_fewer_workers.py
holds its steps; on a lab that ran one worker, test_z_faults_workers.py's teardown takes it
for real (`labctl smoke -k faults_workers`).
"""

from __future__ import annotations

import uuid

from conftest import edge
from labctl.core import addresses as ab
from labctl.core import clients, lab, runs
from labctl.core.airflow_api import AirflowAPI


def _finished_runs(manifest) -> dict[str, str]:
    listed = AirflowAPI(manifest).get(f"/dags/{runs.DAG_ID}/dagRuns", limit=100, order_by="-run_after")["dag_runs"]
    return {run["dag_run_id"]: run["state"] for run in listed if run["state"] in runs.TERMINAL}


def test_hdfs_files_hbase_rows_and_airflow_history_survive_down_and_up(lab_stack):
    manifest = lab_stack
    marker = uuid.uuid4().hex
    path = f"/tmp/survivor-{marker}.txt"
    edge(["bash", "-c", f"cat > /tmp/survivor && hdfs dfs -put -f /tmp/survivor {path}"], stdin_data=marker.encode())

    table_name = "smoke_survivor"
    connection = clients.thrift(addresses=ab.lab_from_host(manifest), timeout=30)
    if table_name.encode() not in connection.tables():
        connection.create_table(table_name, {"f": {"max_versions": 1}})
    connection.table(table_name).put(marker.encode(), {b"f:v": b"still here"})
    connection.close()

    history = _finished_runs(manifest)
    assert history, "no finished DAG run to outlive the restart"

    workers = lab.running_workers(manifest)
    lab.down(manifest, volumes=False)
    lab.up(manifest, workers=workers, timeout=900)
    assert lab.running_workers(manifest) == workers

    after = _finished_runs(manifest)
    assert {run: after.get(run) for run in history} == history
    assert edge(["hdfs", "dfs", "-cat", path]).strip().endswith(marker)
    connection = clients.thrift(addresses=ab.lab_from_host(manifest), timeout=30)
    try:
        assert connection.table(table_name).row(marker.encode()) == {b"f:v": b"still here"}
        connection.delete_table(table_name, disable=True)
    finally:
        connection.close()
    edge(["hdfs", "dfs", "-rm", "-skipTrash", path])
