"""`labctl token store --conn-id ID`: the id is checked against Airflow's rule for keys
before anything is sent, and lands in exactly one path segment of the REST call. A
loopback HTTP server stands for the few Airflow endpoints the command calls and records
what reaches it (Airflow itself does not run in unit tests)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from labctl import cli
from labctl.core.manifest import Manifest
from labctl.core.secrets import ensure_secrets


@pytest.fixture
def airflow(tmp_path, monkeypatch):
    seen: list[tuple[str, str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_POST(self):
            body = self._body()
            seen.append(("POST", self.path, body))
            self._answer({"access_token": "t"} if self.path == "/auth/token" else body)

        def do_PATCH(self):
            seen.append(("PATCH", self.path, self._body()))
            self._answer({})

        def do_GET(self):
            seen.append(("GET", self.path, {}))
            self._answer({"connections": [{"connection_id": "my.conn-1"}]})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("AIRFLOW_UI_PORT", str(server.server_address[1]))
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", "tok-" + "x" * 20)
    monkeypatch.delenv("MASTODON_ACCESS_TOKEN_FILE", raising=False)
    ensure_secrets(Manifest())
    yield seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("conn_id", ["a/b", "..", ".", "x?y=1", "x#y", "mastodon default", "", "a" * 251])
def test_a_conn_id_airflow_would_not_take_is_a_usage_error_and_nothing_is_sent(airflow, capsys, conn_id):
    assert cli.main(["token", "store", "--instance", "https://m.example", "--conn-id", conn_id]) == 2
    assert "connection id" in " ".join(capsys.readouterr().err.replace("│", " ").split())
    assert airflow == []


def test_an_existing_connection_is_patched_at_its_own_path(airflow):
    assert cli.main(["token", "store", "--instance", "https://m.example", "--conn-id", "my.conn-1"]) == 0
    method, path, body = airflow[-1]
    assert (method, path) == ("PATCH", "/api/v2/connections/my.conn-1")
    assert body["connection_id"] == "my.conn-1" and body["password"] == "tok-" + "x" * 20


def test_a_new_connection_is_posted(airflow):
    assert cli.main(["token", "store", "--instance", "https://m.example", "--conn-id", "other_conn"]) == 0
    assert airflow[-1][:2] == ("POST", "/api/v2/connections")
