"""`labctl status` figures: parsed from answers captured from the live lab
(tests/stack/fixtures/), each layer isolated from the others' failures, fast
when a layer hangs. Expected values are read off the fixture files by hand."""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from rich.console import Console
from typer.testing import CliRunner

from labctl.cli import app
from labctl.commands import status as stack  # where `labctl status` renders
from labctl.core import figures, health, lab
from labctl.core.manifest import Manifest

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def hdfs_answers():
    return fixture("namenode_FSNamesystemState"), fixture("namenode_FSNamesystem")


# --- HDFS -----------------------------------------------------------------------


def test_hdfs_figures_from_the_namenode_beans():
    f = figures.parse_hdfs(*hdfs_answers())
    assert (f["capacity_bytes"], f["used_bytes"], f["remaining_bytes"], f["non_dfs_used_bytes"]) == (270553174016, 8569797, 71217469722, 25769253947)
    assert (f["live_datanodes"], f["dead_datanodes"]) == (1, 0)
    assert (f["under_replicated_blocks"], f["missing_blocks"], f["corrupt_blocks"]) == (0, 0, 0)
    assert (f["files"], f["blocks"], f["state"]) == (498, 106, "Operational")
    # 8,569,797 of 270,553,174,016 bytes is 0.0032 %.
    assert f["used_percent"] == 0.0


def test_hdfs_trouble_is_read_from_the_right_bean():
    state, system = hdfs_answers()
    state["beans"][0].update(UnderReplicatedBlocks=3, NumDeadDataNodes=1, CapacityUsed=135276587008)
    system["beans"][0].update(MissingBlocks=2, CorruptBlocks=5)
    f = figures.parse_hdfs(state, system)
    assert (f["under_replicated_blocks"], f["dead_datanodes"], f["missing_blocks"], f["corrupt_blocks"]) == (3, 1, 2, 5)
    assert f["used_percent"] == 50.0  # 135,276,587,008 is half of 270,553,174,016


def test_hdfs_names_every_missing_field_at_once():
    state, system = hdfs_answers()
    del state["beans"][0]["CapacityTotal"], state["beans"][0]["FilesTotal"]
    with pytest.raises(figures.Unexpected, match="lacks CapacityTotal, FilesTotal"):
        figures.parse_hdfs(state, system)
    with pytest.raises(figures.Unexpected, match="not published"):
        figures.parse_hdfs({"beans": []}, system)


# --- YARN -----------------------------------------------------------------------


def test_yarn_figures_from_cluster_metrics_while_a_job_ran():
    f = figures.parse_yarn(fixture("yarn_cluster_metrics"))
    assert (f["apps_running"], f["apps_pending"], f["apps_completed"], f["apps_failed"], f["apps_killed"]) == (1, 0, 6, 0, 0)
    assert (f["nodes_active"], f["nodes_lost"], f["nodes_unhealthy"]) == (1, 0, 0)
    assert (f["memory_used_mb"], f["memory_total_mb"], f["vcores_total"], f["containers_running"]) == (512, 4096, 4, 1)
    # What the scheduler allocated (1 vcore), not the node's utilisation (3 vcores busy).
    assert f["vcores_used"] == 1


def test_yarn_lost_and_unhealthy_nodes_are_read():
    answer = fixture("yarn_cluster_metrics")
    answer["clusterMetrics"].update(lostNodes=2, unhealthyNodes=1, appsFailed=3)
    f = figures.parse_yarn(answer)
    assert (f["nodes_lost"], f["nodes_unhealthy"], f["apps_failed"]) == (2, 1, 3)


def test_yarn_without_cluster_metrics_is_unexpected():
    with pytest.raises(figures.Unexpected, match="clusterMetrics"):
        figures.parse_yarn({"RemoteException": {"message": "standby"}})


# --- HBase ----------------------------------------------------------------------


def hbase_answers():
    return fixture("hbase_master_server"), fixture("hbase_master_assignment"), [fixture("hbase_regionserver_server")]


def test_hbase_figures_from_the_master_and_its_region_server():
    f = figures.parse_hbase(*hbase_answers())
    assert f["active_master"] is True
    assert (f["region_servers"], f["dead_region_servers"], f["regions"], f["average_load"]) == (1, 0, 64, 64.0)
    assert (f["regions_in_transition"], f["requests_total"]) == (0, 638)
    assert f["servers"] == [{"server": "5404950772b6:16020", "regions": 64, "reads_per_s": 681.2, "writes_per_s": 380.4}]
    assert f["requests_per_s"] == 1061.6  # 681.2 reads + 380.4 writes
    assert f["servers_not_reporting"] == [] and f["unknown_servers_reporting"] == []


def test_hbase_total_regions_come_from_the_master_even_when_a_server_is_silent():
    master, assignment, regionservers = hbase_answers()
    bean = master["beans"][0]
    bean.update({"tag.liveRegionServers": bean["tag.liveRegionServers"] + ";rs2,16020,1795828999999", "numRegionServers": 2, "averageLoad": 33.5})
    stray = copy.deepcopy(regionservers[0])
    stray["beans"][0]["tag.serverName"] = "gone,16020,1"
    f = figures.parse_hbase(master, assignment, regionservers + [stray])
    assert f["regions"] == 67  # 33.5 per server on 2 servers
    assert f["servers_not_reporting"] == ["rs2:16020"]
    assert f["unknown_servers_reporting"] == ["gone:16020"]
    assert f["requests_per_s"] == 1061.6  # only the server that answered
    assert [row["regions"] for row in f["servers"]] == [64, None]


def test_hbase_without_region_servers_has_no_regions_whatever_the_average_says():
    master, assignment, _ = hbase_answers()
    master["beans"][0].update({"tag.liveRegionServers": "", "numRegionServers": 0, "averageLoad": float("nan")})
    f = figures.parse_hbase(master, assignment, [])
    assert (f["regions"], f["average_load"], f["servers"], f["requests_per_s"]) == (0, 0.0, [], None)


def test_hbase_regions_in_transition_and_dead_servers_are_read():
    master, assignment, regionservers = hbase_answers()
    master["beans"][0].update({"numDeadRegionServers": 1, "tag.deadRegionServers": "old,16020,1", "tag.isActiveMaster": "false"})
    assignment["beans"][0]["ritCount"] = 4
    f = figures.parse_hbase(master, assignment, regionservers)
    assert (f["dead_region_servers"], f["regions_in_transition"], f["active_master"]) == (1, 4, False)


# --- Airflow --------------------------------------------------------------------


NOW = datetime(2026, 11, 28, 1, 30, 0, tzinfo=timezone.utc)


def test_dag_runs_newest_first_with_durations():
    runs = figures.parse_dag_runs(fixture("airflow_dag_runs"), NOW)
    assert [(run["state"], run["run_type"]) for run in runs] == [("running", "manual"), ("success", "scheduled")]
    assert runs[0]["run_id"] == "manual__2026-11-28T01:22:32.339256+00:00"
    # Running since 01:25:42.228097, seen at 01:30:00: 257.77 s.
    assert runs[0]["duration_s"] == 257.8
    # Finished: Airflow's own duration, 98.964352 s.
    assert runs[1]["duration_s"] == 99.0


def test_a_queued_run_has_no_duration_yet():
    answer = {"dag_runs": [{"dag_run_id": "manual__x", "state": "queued", "start_date": None, "end_date": None, "duration": None}]}
    assert figures.parse_dag_runs(answer, NOW)[0]["duration_s"] is None


def test_dag_paused_and_schedule():
    dag = figures.parse_dag(fixture("airflow_dag"))
    assert dag == {"dag_id": "mastodon_pipeline", "paused": False, "schedule": "0 * * * *", "next_run_after": "2026-11-28T02:00:00Z"}


def test_a_run_without_state_is_unexpected():
    with pytest.raises(figures.Unexpected, match="lacks state"):
        figures.parse_dag_runs({"dag_runs": [{"dag_run_id": "x"}]}, NOW)


# --- collecting: one layer down, the others shown; bounded time ------------------


class FakeAirflow:
    def __init__(self, manifest, timeout):
        self.base = "http://fake:8080"

    def get(self, path, **params):
        return fixture("airflow_dag_runs") if path.endswith("/dagRuns") else fixture("airflow_dag")


def serve_fixtures(monkeypatch, down: tuple[str, ...] = (), overrides: dict | None = None):
    """Every endpoint answers its capture, except URLs containing a string of `down`."""
    routes = {
        "name=FSNamesystemState": fixture("namenode_FSNamesystemState"),
        "name=FSNamesystem": fixture("namenode_FSNamesystem"),
        "/ws/v1/cluster/metrics": fixture("yarn_cluster_metrics"),
        "sub=AssignmentManager": fixture("hbase_master_assignment"),
        "name=Master,sub=Server": fixture("hbase_master_server"),
        ":16030/jmx?qry=Hadoop:service=HBase,name=RegionServer,sub=Server": fixture("hbase_regionserver_server"),
    }
    routes.update(overrides or {})
    calls = []

    def answer(payload) -> requests.Response:
        response = requests.Response()
        response.status_code, response._content = 200, json.dumps(payload).encode()
        return response

    def fake_get(url, timeout):
        calls.append(url)
        request = requests.Request("GET", url).prepare()
        if any(marker in url for marker in down):
            raise requests.ConnectionError("refused", request=request)
        for marker, payload in routes.items():
            if marker in url:
                return answer(payload)
        raise requests.ConnectionError("no replica here", request=request)

    monkeypatch.setattr(figures.requests, "get", fake_get)
    monkeypatch.setattr(figures, "AirflowAPI", FakeAirflow)
    return calls


def test_a_layer_that_does_not_answer_is_unavailable_and_the_others_are_shown(monkeypatch):
    serve_fixtures(monkeypatch, down=(":9870/",))
    layers = figures.collect(Manifest(environ={}))
    assert layers["hdfs"] == {"unavailable": "http://127.0.0.1:9870/jmx: cannot connect"}
    assert layers["yarn"]["apps_running"] == 1
    assert layers["hbase"]["regions"] == 64
    assert [run["state"] for run in layers["airflow"]["runs"]] == ["running", "success"]


def test_region_servers_are_looked_for_on_every_port_of_the_manifest_range(monkeypatch):
    calls = serve_fixtures(monkeypatch)
    manifest = Manifest(environ={})
    figures.collect(manifest)
    asked = sorted(int(url.split(":")[2].split("/")[0]) for url in calls if "sub=Server" in url and "RegionServer" in url)
    assert asked == list(range(manifest.port("HBASE_REGIONSERVER_UI_PORT"), manifest.port("HBASE_REGIONSERVER_UI_PORT_LAST") + 1))


def test_an_answer_without_the_figures_names_what_is_missing(monkeypatch):
    serve_fixtures(monkeypatch, overrides={"/ws/v1/cluster/metrics": {"clusterMetrics": {"appsRunning": 1}}})
    reason = figures.collect(Manifest(environ={}))["yarn"]["unavailable"]
    assert reason.startswith("clusterMetrics lacks appsPending, appsCompleted")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_hung_endpoint_costs_one_timeout_not_the_whole_status(tmp_path):
    # A listener that accepts and never answers: what a wedged JVM looks like.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        silent.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    closed = free_port()
    environ = {key: str(closed) for key in ("RESOURCEMANAGER_UI_PORT", "HBASE_MASTER_UI_PORT", "AIRFLOW_UI_PORT", "HBASE_REGIONSERVER_UI_PORT", "HBASE_REGIONSERVER_UI_PORT_LAST")}
    environ.update(NAMENODE_UI_PORT=str(silent.getsockname()[1]), LAB_STATE_DIR=str(tmp_path))
    try:
        started = time.monotonic()
        layers = figures.collect(Manifest(environ=environ), timeout=0.5)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        silent.close()
    assert layers["hdfs"]["unavailable"].endswith("no answer within 0.5 s")
    assert all(layers[name]["unavailable"].endswith("cannot connect") for name in ("yarn", "hbase", "airflow"))
    # Layers are asked in parallel: about one timeout, not one per layer.
    assert elapsed < 1.5


# --- the command ----------------------------------------------------------------


CONTAINERS = [{"service": "namenode", "container": "mastolab-namenode-1", "state": "running", "health": "healthy"}]


def fake_lab(monkeypatch, *, checks_ok: bool, layers: dict):
    check = health.CHECKS[0]
    monkeypatch.setattr(lab, "containers", lambda manifest: CONTAINERS)
    monkeypatch.setattr(lab, "running_workers", lambda manifest: 1)
    monkeypatch.setattr(lab, "run_checks", lambda manifest, workers: [lab.CheckResult(check, checks_ok, "seen")])
    monkeypatch.setattr(figures, "collect", lambda manifest, runs: layers)
    monkeypatch.setattr(stack, "out", Console(width=160, no_color=True, force_terminal=False))


def live_like_layers() -> dict:
    return {
        "hdfs": {"source": "http://127.0.0.1:9870/jmx", **figures.parse_hdfs(*hdfs_answers())},
        "yarn": {"unavailable": "http://127.0.0.1:8088/ws/v1/cluster/metrics: cannot connect"},
        "hbase": {"source": "http://127.0.0.1:16010/jmx", **figures.parse_hbase(*hbase_answers())},
        "airflow": {"source": "http://fake:8080/api/v2", **figures.parse_dag(fixture("airflow_dag")), "runs": figures.parse_dag_runs(fixture("airflow_dag_runs"), NOW)},
    }


def test_status_json_keeps_its_keys_and_adds_the_figures(monkeypatch):
    layers = live_like_layers()
    fake_lab(monkeypatch, checks_ok=True, layers=layers)
    result = CliRunner().invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["containers"] == CONTAINERS
    assert data["checks"] == [{"name": health.CHECKS[0].name, "ok": True, "detail": "seen"}]
    assert data["figures"]["hdfs"]["capacity_bytes"] == 270553174016
    assert data["figures"]["yarn"] == {"unavailable": "http://127.0.0.1:8088/ws/v1/cluster/metrics: cannot connect"}


def test_status_tables_show_figures_and_unavailable_layers_without_changing_the_exit(monkeypatch):
    fake_lab(monkeypatch, checks_ok=True, layers=live_like_layers())
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "YARN: unavailable: http://127.0.0.1:8088/ws/v1/cluster/metrics: cannot connect" in text
    assert "252.0 GiB" in text  # 270,553,174,016 bytes / 2^30
    assert "5404950772b6:16020" in text and "64 regions" in text
    assert "manual__2026-11-28T01:22:32.339256+00:00" in text and "2026-11-28 01:25" in text
    assert "4m18s" in text  # the running run: 257.8 s


def test_status_exit_follows_the_health_checks_only(monkeypatch):
    fake_lab(monkeypatch, checks_ok=False, layers=live_like_layers())
    assert CliRunner().invoke(app, ["status"]).exit_code == 1
    every_layer_down = {name: {"unavailable": "cannot connect"} for name in figures.LAYERS}
    fake_lab(monkeypatch, checks_ok=True, layers=every_layer_down)
    assert CliRunner().invoke(app, ["status"]).exit_code == 0
