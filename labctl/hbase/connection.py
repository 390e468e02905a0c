"""A connection to the target's HBase Thrift server (the lab's, by default) that survives
dropped connections: `connect()` gives the `ResilientConnection` of labctl/core/thrift.py
(which says what is retried and what is not), opened by the client factory
(labctl/core/clients.py) at the address book's Thrift server, or at host/port given.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from labctl.core import addresses as ab
from labctl.core import clients
from labctl.core.errors import LabError
from labctl.core.manifest import Manifest
from labctl.core.thrift import (  # noqa: F401 - the names HBase's users import from here
    ATTEMPTS,
    BACKOFF_SECONDS,
    HBASE_ERRORS,
    TRANSIENT,
    HBaseDropped,
    HBaseIOError,
    ResilientBatch,
    ResilientConnection,
    ResilientTable,
    error_message,
    is_transient,
)


def open_thrift(host: str, port: int, timeout: float | None = None, *, addresses: ab.Addresses | None = None) -> Callable[[], Any]:
    """One plain connection at a time to host:port, through the client factory (a test builds
    its own ResilientConnection with it)."""
    found = clients.book(addresses)
    return lambda: clients.thrift(addresses=found, host=host, port=port, timeout=timeout)


def connect(manifest: Manifest | None = None, *, host: str | None = None, port: int | None = None,
            timeout: float | None = None, attempts: int = ATTEMPTS,
            sleep: Callable[[float], None] = time.sleep) -> ResilientConnection:
    """The Thrift v1 server of the address book (or host/port given), connected: a server that
    is not there is said at once (after one more try), not after every retry a dropped
    connection gets."""
    book = ab.current(manifest)
    host, port = host or book.thrift[0], port or book.thrift[1]
    connection = clients.hbase(addresses=book, host=host, port=port, timeout=timeout, attempts=attempts, sleep=sleep)
    for attempt in (1, 2):
        try:
            connection.current()
            return connection
        except HBASE_ERRORS as error:
            if attempt == 2:
                raise LabError(
                    f"cannot reach HBase's Thrift server at {host}:{port}: {error_message(error)}",
                    hint="is the lab up? `labctl status` shows the hbase-thrift service" if book.is_lab
                    else f"is {host}:{port} right in the profile {book.target}?",
                ) from error
            sleep(BACKOFF_SECONDS)
    raise AssertionError("unreachable")
