"""Health checks read the daemons' own state; failures name what they saw."""

from __future__ import annotations

import pytest

from labctl.cli import main
from labctl.core import health
from labctl.core.errors import CommandError, LabError
from labctl.core.manifest import Manifest


class FakeResponse:
    def __init__(self, payload):
        self.payload = payload

    def raise_for_status(self):
        pass

    def json(self):
        return self.payload


def serve(monkeypatch, routes: dict[str, dict]):
    def fake_get(url, timeout):
        for suffix, payload in routes.items():
            if suffix in url:
                return FakeResponse(payload)
        raise AssertionError(f"unexpected URL {url}")

    monkeypatch.setattr(health.requests, "get", fake_get)


def namenode_routes(safemode: str, live: int):
    return {
        "name=NameNodeInfo": {"beans": [{"Safemode": safemode}]},
        "name=FSNamesystemState": {"beans": [{"NumLiveDataNodes": live}]},
    }


def test_hdfs_in_safe_mode_is_not_ready(monkeypatch):
    serve(monkeypatch, namenode_routes("Safe mode is ON.", 1))
    with pytest.raises(health.NotReady, match="safe mode"):
        health.hdfs(Manifest(environ={}), workers=1)


def test_hdfs_needs_the_expected_number_of_datanodes(monkeypatch):
    serve(monkeypatch, namenode_routes("", 1))
    with pytest.raises(health.NotReady, match="1/2 DataNodes"):
        health.hdfs(Manifest(environ={}), workers=2)
    assert "2 live DataNodes" in (serve(monkeypatch, namenode_routes("", 2)) or health.hdfs(Manifest(environ={}), workers=2))


def test_yarn_counts_running_nodemanagers(monkeypatch):
    serve(monkeypatch, {"/ws/v1/cluster/metrics": {"clusterMetrics": {"activeNodes": 0}}})
    with pytest.raises(health.NotReady, match="0/1 NodeManagers"):
        health.yarn(Manifest(environ={}), workers=1)


def test_hbase_needs_an_active_master_and_its_region_servers(monkeypatch):
    serve(monkeypatch, {"sub=Server": {"beans": [{"tag.isActiveMaster": "false", "numRegionServers": 1}]}})
    with pytest.raises(health.NotReady, match="not active"):
        health.hbase(Manifest(environ={}), workers=1)
    serve(monkeypatch, {"sub=Server": {"beans": [{"tag.isActiveMaster": "true", "numRegionServers": 1}]}})
    assert health.hbase(Manifest(environ={}), workers=1) == "master active, 1 region servers"


def test_a_missing_jmx_bean_is_not_ready_rather_than_a_crash(monkeypatch):
    serve(monkeypatch, {"/jmx": {"beans": []}})
    with pytest.raises(health.NotReady, match="not published yet"):
        health.hbase(Manifest(environ={}), workers=1)


def test_known_errors_print_one_message_with_hint_and_exit_1(monkeypatch, capsys):
    def boom(*args, **kwargs):
        raise LabError("no Docker engine answers", hint="run `labctl doctor --fix`")

    monkeypatch.setattr("labctl.core.lab.up", boom)
    assert main(["up"]) == 1
    captured = capsys.readouterr().err
    assert "no Docker engine answers" in captured and "labctl doctor --fix" in captured
    assert "Traceback" not in captured


def test_a_failed_command_keeps_a_pasteable_command_line():
    error = CommandError(["docker", "compose", "up", "--scale", "datanode=2"], 1, "boom output")
    assert "docker compose up --scale datanode=2" in error.message
    assert error.details == "boom output"


def test_usage_errors_exit_2(capsys):
    # (`labctl logs` alone is no usage error any more: it follows every service.)
    assert main(["logs", "--tail", "many"]) == 2
