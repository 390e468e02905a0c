"""The `runs` table: which pipeline runs are loaded, and which one queries read.

A run goes `loading` -> `loaded` -> `published`. Loading a run again sets it back to
`loading`, so while its rows are replaced, queries read the previous published run. Queries
read the published run with the greatest id: run ids come from the data interval (ISO 8601),
so the greatest is the most recent data, whatever order runs were published in (a backfill of
an old interval does not hide newer data).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from labctl.hbase import keys
from labctl.hbase.schema import NAMESPACE, RUNS

LOADING, LOADED, PUBLISHED = "loading", "loaded", "published"
_STATUS = b"r:status"


class RunError(RuntimeError):
    """A run is not in the state the operation needs (e.g. publishing a run never loaded)."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _table(connection, namespace: str):
    return connection.table(RUNS.full_name(namespace))


def mark_loading(connection, run_id: str, *, namespace: str = NAMESPACE) -> None:
    table = _table(connection, namespace)
    table.delete(keys.encode(run_id), columns=[b"r:published_at", b"r:loaded_at", b"r:rows"])
    table.put(keys.encode(run_id), {_STATUS: LOADING.encode(), b"r:started_at": _now().encode()})


def mark_loaded(connection, run_id: str, rows: dict[str, int], *, namespace: str = NAMESPACE) -> None:
    _table(connection, namespace).put(
        keys.encode(run_id),
        {_STATUS: LOADED.encode(), b"r:loaded_at": _now().encode(), b"r:rows": json.dumps(rows).encode()},
    )


def run_info(connection, run_id: str, *, namespace: str = NAMESPACE) -> dict[str, Any] | None:
    row = _table(connection, namespace).row(keys.encode(keys.check_run_id(run_id)))
    return _info(run_id, row) if row else None


def _info(run_id: str, row: dict[bytes, bytes]) -> dict[str, Any]:
    info: dict[str, Any] = {"run_id": run_id}
    for column, value in row.items():
        name = column.decode().split(":", 1)[1]
        info[name] = json.loads(value) if name == "rows" else value.decode()
    return info


def publish_run(connection, run_id: str, *, namespace: str = NAMESPACE) -> None:
    """Make a loaded run the one queries read (unless a greater run id is published)."""
    info = run_info(connection, run_id, namespace=namespace)
    status = info.get("status") if info else None
    if status not in (LOADED, PUBLISHED):
        raise RunError(f"run {run_id!r} cannot be published: its status is {status or 'unknown (never loaded)'}, not {LOADED}")
    _table(connection, namespace).put(keys.encode(run_id), {_STATUS: PUBLISHED.encode(), b"r:published_at": _now().encode()})


def latest_run(connection, *, namespace: str = NAMESPACE) -> str | None:
    """The greatest published run id: one reversed scan that stops at the first published row."""
    published = f"SingleColumnValueFilter('r', 'status', =, 'binary:{PUBLISHED}', true, true)"
    for key, _ in _table(connection, namespace).scan(filter=published, reverse=True, limit=1, batch_size=1):
        return keys.decode(key)
    return None


def list_runs(connection, *, namespace: str = NAMESPACE) -> list[dict[str, Any]]:
    return [_info(keys.decode(key), row) for key, row in _table(connection, namespace).scan()]
