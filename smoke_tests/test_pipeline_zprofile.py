"""The lab driven as if it were an outside cluster: a cluster profile that reaches it only
through its published ports on the loopback address, and `labctl --target PROFILE` run as a
subprocess whose Docker engine is a closed port and whose lab secrets folder is empty. No
`docker exec`, no compose, no lab secret on that path: the Airflow login comes from the
profile's 0600 credentials file, HDFS from WebHDFS (its DataNode redirects routed by the
profile's [datanodes]), HBase from the Thrift server, status from JMX and REST.

What it runs, in order (one DAG run):

- `lake provision` then `seed --file` into the profile's own lake root (/lake-profile-smoke):
  the lab's /lake is left untouched, so that the files after this one see the lake they expect;
  the root is removed at the end.
- `lake --json` there: the partition holds what the file's records leave after the ingestion
  policy.
- `run`: the lab's DAG runs on its own workers, whose target is the lab's network: it reads
  the lake root of *its* target (/lake), as a cluster's DAG reads the lake.root of the profile
  its workers are given (docs/cluster.md). So the run does not see the file seeded above;
  what it processes is the lab's raw zone, which the oracle then reads.
- `query --json` for every question and `report`: equal to the oracle over that raw zone.
- `status --json`: the target is the profile, no container, every layer's figures answer.

The test's own setup may use Docker (the DataNodes' published ports, the lab's login to write
the credentials file, the oracle's read of the raw zone): that is building the profile and
the expectations, not the path under test.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from labctl.core import addresses as ab
from labctl.core import clients
from labctl.core import engine as eng
from labctl.core.manifest import Manifest
from labctl.core.secrets import airflow_login
from labctl.hbase import queries, reidentify
from labctl.hbase.connection import connect
from labctl.hbase.schema import NAMESPACE
from labctl.lake.permissions import ADMIN_USER
from policy import ingestion_filter
from queries import QUERIES, expected_over_raw_zone
from recording import FILES
from test_jobs_on_yarn import assert_same

ROOT = "/lake-profile-smoke"
INSTANCE = "profile-smoke.example"
SEEDED = 60  # statuses of the recording in the seeded file
LABCTL = Path(sys.executable).parent / "labctl"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind((ab.LOOPBACK, 0))
        return sock.getsockname()[1]


def datanode_routes(manifest: Manifest) -> dict[str, str]:
    """Each DataNode as the NameNode's redirects name it -> its published port on the loopback.

    NamenodeWebHdfsMethods.redirectURI names a DataNode by the host name it registered with
    (DatanodeID.getHostName: what the DataNode reported, its container's host name here; the
    NameNode records the IP beside it) and its HTTP port. Both the host name and the IP are
    mapped, so the routes hold whichever the NameNode gives; the test checks below that every
    live DataNode's name is among them."""
    port = ab.listen_port("DATANODE", manifest)
    routes = {}
    for container in eng.client().containers.list(filters={"label": ab.service_labels(ab.service("DATANODE", manifest), manifest)}):
        published = container.attrs["NetworkSettings"]["Ports"][f"{port}/tcp"][0]["HostPort"]
        url = f"http://{ab.LOOPBACK}:{published}"
        routes[f"{container.attrs['Config']['Hostname']}:{port}"] = url
        for network in container.attrs["NetworkSettings"]["Networks"].values():
            if network.get("IPAddress"):
                routes[f"{network['IPAddress']}:{port}"] = url
    assert routes, "no DataNode container found"
    return routes


def live_datanode_names(book: ab.Addresses, port: int) -> set[str]:
    """The names the NameNode knows its live DataNodes by (its JMX LiveNodes: "host:xferPort")."""
    info = clients.jmx_bean(book.namenode, ab.Bean.NAMENODE_INFO, timeout=book.timeouts.rest)
    return {f"{name.rsplit(':', 1)[0]}:{port}" for name in json.loads(info["LiveNodes"])}


@pytest.fixture(scope="module")
def profile(lab_stack, tmp_path_factory):
    manifest = lab_stack
    folder = tmp_path_factory.mktemp("cluster-profile")
    book = ab.lab_from_host(manifest)
    routes = datanode_routes(manifest)
    assert live_datanode_names(book, ab.listen_port("DATANODE", manifest)) <= set(routes), routes
    username, password = airflow_login(manifest)
    credentials = folder / "airflow-login.toml"
    credentials.touch(mode=0o600)
    credentials.write_text(f"username = {json.dumps(username)}\npassword = {json.dumps(password)}\n")
    quoted = lambda values: ", ".join(json.dumps(value) for value in values)  # noqa: E731
    path = folder / "lab-as-a-cluster.toml"
    path.write_text(
        "[endpoints]\n"
        f"namenode = {json.dumps(book.namenode)}\nresourcemanager = {json.dumps(book.resourcemanager)}\n"
        f"jobhistory = {json.dumps(book.jobhistory)}\nhbase_master = {json.dumps(book.hbase_master)}\n"
        f"regionservers = [{quoted(book.regionservers)}]\nhbase_thrift = {json.dumps(book.thrift_address)}\n"
        f"zookeeper = {json.dumps(':'.join(map(str, book.zookeeper)))}\nairflow = {json.dumps(book.airflow)}\n\n"
        '[credentials]\nfile = "airflow-login.toml"\n\n'
        f"[lake]\nroot = {json.dumps(ROOT)}\n\n"
        "[datanodes]\n" + "".join(f"{json.dumps(name)} = {json.dumps(url)}\n" for name, url in routes.items())
    )
    admin = clients.webhdfs(ADMIN_USER, addresses=book)
    admin.delete(ROOT, recursive=True)
    yield path
    admin.delete(ROOT, recursive=True)


@pytest.fixture(scope="module")
def labctl(profile, tmp_path_factory):
    """`labctl --target PROFILE ...` where Docker cannot be reached and the lab's secrets are not."""
    environment = {key: value for key, value in os.environ.items() if key not in (ab.TARGET_ENV, "DOCKER_CONTEXT")}
    environment.update(DOCKER_HOST=f"tcp://{ab.LOOPBACK}:{closed_port()}", LAB_STATE_DIR=str(tmp_path_factory.mktemp("no-lab-state")),
                       COLUMNS="200")

    def run(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run([str(LABCTL), "--target", str(profile), *argv], env=environment, capture_output=True,
                              text=True, timeout=timeout, check=False)
        assert "docker" not in done.stderr.lower() or done.returncode == 0, done.stderr
        return done

    return run


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"{done.args[3:]} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory) -> tuple[Path, list[dict]]:
    entries = [json.loads(line) for line in gzip.decompress(FILES[0].read_bytes()).splitlines() if line.strip()][:SEEDED]
    path = tmp_path_factory.mktemp("seed") / "profile-smoke.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(json.dumps(entry).encode() + b"\n" for entry in entries)))
    return path, entries


def test_seed_file_lands_in_the_profiles_lake_root_through_the_mapped_datanodes(labctl, seeded_file, manifest):
    path, entries = seeded_file
    expected = len(ingestion_filter(manifest)(entries))
    assert expected > 0
    ok(labctl("lake", "provision"))
    results = json.loads(ok(labctl("seed", "--file", str(path), "--as-instance", INSTANCE, "--json")))
    assert [result["written"] for result in results] == [expected]
    summary = json.loads(ok(labctl("lake", "--json")))
    assert summary["root"] == ROOT
    landed = [partition for partition in summary["partitions"] if partition["instance"] == INSTANCE]
    assert sum(partition["records"] for partition in landed) == expected and summary["problems"] == []
    # Seeding the same file again adds nothing (ingestion is idempotent per file content).
    again = json.loads(ok(labctl("seed", "--file", str(path), "--as-instance", INSTANCE, "--json")))
    assert [result["state"] for result in again] == ["already-ingested"]


@pytest.fixture(scope="module")
def finished_run(labctl) -> dict:
    return json.loads(ok(labctl("run", "--json", "--timeout", "900", timeout=1000)))


def test_run_triggers_and_follows_the_dag_with_the_profiles_login(finished_run):
    assert finished_run["state"] == "success" and finished_run["yarn_applications"]
    assert finished_run["statuses"] > 0


@pytest.fixture(scope="module")
def expected(finished_run) -> dict:
    """The oracle over the raw zone the run read (the lab's /lake, read by the test itself)."""
    return expected_over_raw_zone()


def test_every_query_through_the_profile_equals_the_oracle(labctl, expected):
    connection = connect()  # the test's own, to turn the answers' pseudonyms back into handles
    try:
        for name, section in QUERIES.items():
            answered = json.loads(ok(labctl("query", name, "--json", "--limit", "1000000")))
            assert section in answered, f"labctl query {name} --json has no {section!r}"
            revealed = reidentify.reveal(connection, answered)
            for field, value in revealed.items():
                if field == "totals":
                    assert_same(value, {key: expected["totals"][key] for key in value}, f"{name}.totals")
                elif field in expected:
                    assert_same(value, expected[field], f"{name}.{field}")
    finally:
        connection.close()


def test_report_through_the_profile_shows_the_run_and_its_pipeline(labctl, expected, tmp_path):
    page = Path(ok(labctl("report", "--out", str(tmp_path))).strip())
    html = page.read_text(encoding="utf-8")
    connection = connect()
    try:
        published = queries.resolve_run(queries.Reader(connection, NAMESPACE), None)
    finally:
        connection.close()
    assert f"Run <code>{published}</code>" in html
    assert "Airflow could not answer" not in html  # the pipeline section came through the profile's login
    assert f'<td>statuses</td><td class="n">{expected["totals"]["statuses"]:,}</td>' in html


def test_status_through_the_profile_names_the_target_and_every_layer_answers(labctl, profile, finished_run):
    shown = json.loads(ok(labctl("status", "--json")))
    assert shown["target"] == str(profile) and shown["containers"] == [] and shown["checks"] == []
    assert all("unavailable" not in layer for layer in shown["figures"].values()), shown["figures"]
    assert shown["figures"]["hdfs"]["live_datanodes"] >= 1
    runs = {run["run_id"]: run["state"] for run in shown["figures"]["airflow"]["runs"]}
    assert runs.get(finished_run["run_id"]) == "success", runs


def test_a_lab_only_command_refuses_the_profile(labctl, profile):
    done = labctl("down")
    assert done.returncode == 1
    said = " ".join(done.stderr.split())
    assert "`labctl down` works on the lab only" in said and str(profile) in said
