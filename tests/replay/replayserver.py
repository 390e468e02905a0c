"""Start the replay app on a loopback port for a test: real HTTP, no Docker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from labctl.replay.app import create_app
from labctl.replay.config import ReplayConfig
from labctl.replay.server import RunningServer, serve_in_thread
from labctl.replay.store import StatusStore


@contextmanager
def running(statuses: list[dict[str, Any]], **settings: Any) -> Iterator[RunningServer]:
    settings.setdefault("rate_limit", 100_000)
    with serve_in_thread(create_app(ReplayConfig(**settings), StatusStore(statuses))) as server:
        yield server
