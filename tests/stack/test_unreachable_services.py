"""Airflow's API and the alert sink when nothing answers, or answers nonsense: one clear
error naming the service, its address and what to do, exit code 1, never "unexpected
error". Real sockets on loopback: a closed port (refused) and one that accepts and stays
silent (a timeout)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from labctl import cli
from labctl.core.airflow_api import AirflowAPI
from labctl.core.errors import ServiceUnreachable
from labctl.core.manifest import Manifest


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def silent_port():
    """Accepts connections (the kernel's backlog) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def garbage_port():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html>not the alerts</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def error_log(tmp_path, monkeypatch):
    path = tmp_path / "last-error.log"
    monkeypatch.setattr(cli, "ERROR_LOG", path)
    return path


def test_airflow_api_refused_is_a_lab_error_with_a_hint():
    port = closed_port()
    api = AirflowAPI(Manifest(environ={"AIRFLOW_UI_PORT": str(port), "LAB_BIND_ADDRESS": "127.0.0.1"}), timeout=2)
    with pytest.raises(ServiceUnreachable) as caught:
        api.get("/dags")
    assert f"127.0.0.1:{port}" in caught.value.message and "cannot connect" in caught.value.message
    assert "labctl status" in caught.value.hint


def test_airflow_api_silent_is_a_timeout_error(silent_port):
    api = AirflowAPI(Manifest(environ={"AIRFLOW_UI_PORT": str(silent_port), "LAB_BIND_ADDRESS": "127.0.0.1"}), timeout=0.5)
    with pytest.raises(ServiceUnreachable, match=r"no answer within 0\.5 s"):
        api.health()


def test_labctl_run_without_airflow_is_one_message(monkeypatch, capsys, error_log):
    monkeypatch.setenv("AIRFLOW_UI_PORT", str(closed_port()))
    assert cli.main(["run"]) == 1
    captured = capsys.readouterr().err
    assert "Airflow's API" in captured and "cannot connect" in captured and "hint:" in captured
    assert "unexpected error" not in captured and not error_log.exists()


def test_labctl_alerts_without_the_sink_is_one_message(monkeypatch, capsys, error_log):
    port = closed_port()
    monkeypatch.setenv("ALERT_SINK_PORT", str(port))
    assert cli.main(["alerts"]) == 1
    captured = " ".join(capsys.readouterr().err.split())
    assert f"the alert sink at http://127.0.0.1:{port}/alerts: cannot connect" in captured
    assert "labctl status" in captured and not error_log.exists()


def test_labctl_alerts_on_a_server_that_answers_nonsense(monkeypatch, capsys, garbage_port, error_log):
    monkeypatch.setenv("ALERT_SINK_PORT", str(garbage_port))
    assert cli.main(["alerts"]) == 1
    captured = " ".join(capsys.readouterr().err.split())
    assert "answered something else than its list of alerts" in captured and not error_log.exists()
