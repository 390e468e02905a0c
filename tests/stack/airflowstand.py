"""A loopback HTTP server answering the few Airflow REST calls some `labctl` commands make
(login, the DAG and its pause flag, its runs, Variables, Connections), with a state the test
sets and a log of what reached it. Airflow itself does not run in unit tests; the smoke
tests make the same calls to the lab's."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

DAG = "/api/v2/dags/mastodon_pipeline"


@dataclass
class AirflowState:
    paused: bool = False
    runs: list[dict] = field(default_factory=list)  # {"dag_run_id", "state"}
    variables: dict[str, str] = field(default_factory=dict)
    connections: list[str] = field(default_factory=list)  # connection ids
    # Runs reported "running" this many more times, then "success" (a run that ends).
    ends_after: dict[str, int] = field(default_factory=dict)
    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    paused_history: list[bool] = field(default_factory=list)
    # /api/v2/monitor/health: component -> status ("healthy", "unhealthy", None)
    health: dict[str, str | None] = field(default_factory=dict)


@contextmanager
def airflow_stand(state: AirflowState):
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: dict, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_POST(self):
            body = self._body()
            state.calls.append(("POST", self.path, body))
            if self.path == "/auth/token":
                self._answer({"access_token": "t"})
            elif self.path == "/api/v2/connections":
                self._answer(body)
            else:
                self._answer({}, 404)

        def do_PATCH(self):
            body = self._body()
            state.calls.append(("PATCH", self.path, body))
            if urlsplit(self.path).path == DAG and "is_paused" in body:
                state.paused = bool(body["is_paused"])
                state.paused_history.append(state.paused)
                self._answer({"dag_id": "mastodon_pipeline", "is_paused": state.paused})
            elif self.path.startswith("/api/v2/connections/"):
                self._answer(body)
            else:
                self._answer({}, 404)

        def do_GET(self):
            path = urlsplit(self.path).path
            state.calls.append(("GET", self.path, {}))
            if path == DAG:
                self._answer({"dag_id": "mastodon_pipeline", "is_paused": state.paused})
            elif path == f"{DAG}/dagRuns":
                for run in state.runs:
                    left = state.ends_after.get(run["dag_run_id"])
                    if left is not None:
                        if left <= 0:
                            run["state"] = "success"
                        state.ends_after[run["dag_run_id"]] = left - 1
                self._answer({"dag_runs": [dict(run) for run in state.runs]})
            elif path == "/api/v2/variables":
                self._answer({"variables": [{"key": k, "value": v} for k, v in state.variables.items()]})
            elif path == "/api/v2/connections":
                self._answer({"connections": [{"connection_id": c} for c in state.connections]})
            elif path == "/api/v2/monitor/health":
                self._answer({name: {"status": status} for name, status in state.health.items()})
            elif path == "/api/v2/importErrors":
                self._answer({"import_errors": [], "total_entries": 0})
            else:
                self._answer({"detail": "not here"}, 404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
