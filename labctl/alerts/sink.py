"""The lab's alert sink: receives webhook alerts and keeps them in a JSON-lines file."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, jsonify, request

STORE = Path(os.environ.get("ALERT_STORE", "/data/alerts/alerts.jsonl"))
_lock = threading.Lock()


def create_app(store: Path = STORE) -> Flask:
    app = Flask(__name__)

    @app.post("/alerts")
    def receive():
        alert = request.get_json(force=True, silent=True)
        if not isinstance(alert, dict):
            return jsonify({"error": "an alert is a JSON object"}), 400
        alert["received_at"] = datetime.now(timezone.utc).isoformat()
        store.parent.mkdir(parents=True, exist_ok=True)
        with _lock, store.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(alert, sort_keys=True) + "\n")
        return jsonify({"stored": True}), 201

    @app.get("/alerts")
    def list_alerts():
        if not store.exists():
            return jsonify([])
        return jsonify([json.loads(line) for line in store.read_text(encoding="utf-8").splitlines() if line.strip()])

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    return app


def main() -> None:
    from waitress import serve

    from labctl.core.addresses import ANY_ADDRESS, listen_port

    serve(create_app(), host=os.environ.get("ALERT_HOST", ANY_ADDRESS), port=int(os.environ.get("ALERT_PORT") or listen_port("ALERT_SINK")))
