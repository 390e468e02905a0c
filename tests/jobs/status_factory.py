"""Hand-written Mastodon statuses, and the jobs run in process (map, sort, reduce) over them."""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

import wire
from labctl.jobs.definition import load_job
from labctl.jobs.output import metrics_from_output

HOST = "example.social"


def account(acct: str = "alice", **fields: Any) -> dict[str, Any]:
    username = acct.split("@")[0]
    return {
        "id": f"account-{acct}",
        "username": username,
        "acct": acct,
        "url": f"https://{HOST}/@{username}",
        "followers_count": 10,
        "following_count": 5,
        "statuses_count": 100,
        "created_at": "2023-01-15T00:00:00.000Z",
        **fields,
    }


def status(status_id: str | int = "1", by: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "id": status_id,
        "uri": f"https://{HOST}/users/alice/statuses/{status_id}",
        "created_at": "2024-05-01T12:00:00.000Z",
        "account": by or account(),
        "content": "<p>hello</p>",
        "language": "en",
        "favourites_count": 0,
        "reblogs_count": 0,
        "replies_count": 0,
        "reblog": None,
        "media_attachments": [],
        "tags": [],
        "mentions": [],
        "emojis": [],
        **fields,
    }


def boost(status_id: str, of: dict[str, Any], by: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    wrapper = status(status_id, by or account("bob"), content="", reblog=of, **fields)
    wrapper["uri"] = f"https://{HOST}/users/bob/statuses/{status_id}/activity"
    return wrapper


def line(record: Any) -> bytes:
    text = json.dumps(record, ensure_ascii=False)
    if any("\ud800" <= char <= "\udfff" for char in text):  # a lone surrogate only travels escaped
        text = json.dumps(record)
    return text.encode("utf-8") + b"\n"


def task(command: str | None):
    """The task function a steps.json command runs ("python3 dedup.py map"); None for cat."""
    if command is None or command == "cat":
        return None
    _, script, role = command.split()
    return importlib.import_module(script.removesuffix(".py")).TASKS[role]


def run_job(lines: Iterable[bytes], counters: Counter | None = None, combine: bool = True) -> list[bytes]:
    """Every step of steps.json in process: map (cat: as is), sort by bytes, combine, reduce."""
    counters = Counter() if counters is None else counters
    rows = list(lines)
    for step in load_job().steps:
        mapper, combiner, reducer = task(step.mapper), task(step.combiner) if combine else None, task(step.reducer)
        rows = sorted(rows if mapper is None else (wire.write(*row) for row in mapper(rows, counters)))
        if combiner:
            rows = sorted(wire.write(*row) for row in combiner(rows, counters))
        rows = [wire.write(*row) for row in reducer(rows, counters)]
    return rows


def metrics(records: Iterable[Any]) -> dict[str, Any]:
    """The metric document of some statuses (dicts) or raw lines (bytes), computed in process."""
    lines = [record if isinstance(record, bytes) else line(record) for record in records]
    return metrics_from_output(run_job(lines))
