"""`labctl up` with LAB_BIND_ADDRESS beyond loopback warns, naming what becomes reachable."""

from __future__ import annotations

import pytest

from labctl import cli
from labctl.core import lab
from labctl.core.manifest import ENDPOINTS, Manifest


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_exposes_nothing(address):
    assert lab.exposure(Manifest(environ={"LAB_BIND_ADDRESS": address})) == []


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", "::"])
def test_any_other_address_names_every_published_service(address):
    lines = lab.exposure(Manifest(environ={"LAB_BIND_ADDRESS": address}))
    assert len(lines) == len([e for e in ENDPOINTS if e.service not in lab.ALWAYS_LOOPBACK])
    text = "\n".join(lines)
    for service, said in [("namenode", "WebHDFS"), ("hbase-thrift", "`reid`"), ("zookeeper", "ZooKeeper"),
                          ("alert-sink", "alert sink"), ("resourcemanager", "YARN")]:
        assert any(line.startswith(f"{service} (port") and said in line for line in lines), service
    assert "datanode (ports 9864-9867)" in text


def test_labctl_up_prints_the_warning_before_starting(monkeypatch, tmp_path, capsys):
    order = []
    monkeypatch.setenv("LAB_BIND_ADDRESS", "0.0.0.0")
    monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(lab, "up", lambda manifest, **kwargs: order.append(capsys.readouterr().err))
    assert cli.main(["up"]) == 0
    warned = " ".join(order[0].split())
    assert "warning: LAB_BIND_ADDRESS=0.0.0.0" in warned
    assert "WebHDFS, which believes any user name" in warned and "`reid`" in warned
    assert "reachable from every network of this machine" in warned


def test_labctl_up_on_loopback_says_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LAB_BIND_ADDRESS", "127.0.0.1")
    monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(lab, "up", lambda manifest, **kwargs: None)
    assert cli.main(["up"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_the_services_left_out_are_those_compose_publishes_on_loopback_only():
    import re

    from labctl.core.manifest import COMPOSE_FILE

    text = COMPOSE_FILE.read_text()
    pinned = set()
    for service, body in re.findall(r"^  ([\w-]+):\n((?:    .*\n|\n)*)", text, re.MULTILINE):
        if re.search(r'ports: \["127\.0\.0\.1:', body):
            pinned.add(service)
    assert pinned == set(lab.ALWAYS_LOOPBACK)
