"""Rules of the metric contract (docs/metrics.md) that this exercise gives you as they are.

Use them from your scripts with `import rules` (the job runs with PYTHONPATH=., as the
lab's own jobs do). Read them: the exercise's traps are in what they accept and refuse.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _is_status(record: Any) -> bool:
    if not isinstance(record, dict) or not isinstance(record.get("account"), dict):
        return False
    status_id = record.get("id")
    if isinstance(status_id, bool):
        return False
    return isinstance(status_id, int) or (isinstance(status_id, str) and status_id != "")


def parse_line(line: bytes) -> dict | None:
    """The status on one raw line, or None for a blank or malformed line.

    Malformed: not UTF-8, not JSON (NaN is not JSON), not an object with an `id` and an
    `account` object, or a boost whose embedded original fails the same test.
    """
    line = line.rstrip(b"\r\n")
    if not line.strip():
        return None
    try:
        record = json.loads(line.decode("utf-8"), parse_constant=_not_json)
    except ValueError:  # invalid UTF-8 and invalid JSON are both ValueErrors
        return None
    level = record
    while True:
        if not _is_status(level):
            return None
        if level.get("reblog") is None:
            return record
        level = level["reblog"]


def handle(acct: Any, url: Any) -> str:
    """An account's handle: `acct` when it has an @, else `acct@<host of url>`; lower-cased."""
    acct = acct if isinstance(acct, str) else ""
    if "@" in acct:
        return acct.lower()
    try:
        host = urlsplit(url).hostname if isinstance(url, str) else None
    except ValueError:
        host = None
    return f"{acct}@{host}".lower() if host else acct.lower()


def instant(text: Any) -> datetime | None:
    """A Mastodon time as an instant (UTC when it has no offset); None when unreadable."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
