"""A happybase connection to the target's HBase Thrift server (the lab's, by default)."""

from __future__ import annotations

import happybase  # noqa: F401 - its import loads Hbase_thrift
from Hbase_thrift import IllegalArgument, IOError as HBaseIOError  # loaded by happybase's import
from thriftpy2.transport import TTransportException

from labctl.core import addresses as ab
from labctl.core import clients
from labctl.core.errors import LabError
from labctl.core.manifest import Manifest

# What a Thrift call raises when HBase cannot answer (missing table, server down, bad argument).
HBASE_ERRORS = (HBaseIOError, IllegalArgument, TTransportException, OSError)


def error_message(error: BaseException) -> str:
    """The first line of HBase's message (Thrift errors carry the Java stack trace)."""
    message = getattr(error, "message", None) or str(error)
    if isinstance(message, bytes):
        message = message.decode(errors="replace")
    return message.strip().splitlines()[0][:300] if message.strip() else type(error).__name__


def connect(manifest: Manifest | None = None, *, host: str | None = None, port: int | None = None, timeout: float | None = None):
    """The Thrift v1 server of the address book (or host/port given), connected."""
    book = ab.current(manifest)
    host, port = host or book.thrift[0], port or book.thrift[1]
    try:
        return clients.thrift(addresses=book, host=host, port=port, timeout=timeout)
    except HBASE_ERRORS as error:
        raise LabError(
            f"cannot reach HBase's Thrift server at {host}:{port}: {error_message(error)}",
            hint="is the lab up? `labctl status` shows the hbase-thrift service" if book.is_lab
            else f"is {host}:{port} right in the profile {book.target}?",
        ) from error
