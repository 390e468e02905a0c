"""A happybase connection to the lab's HBase Thrift server."""

from __future__ import annotations

import os

import happybase
from Hbase_thrift import IllegalArgument, IOError as HBaseIOError  # loaded by happybase's import
from thriftpy2.transport import TTransportException

from labctl.core.errors import LabError
from labctl.core.manifest import Manifest

TIMEOUT_MS = 30_000
# What a Thrift call raises when HBase cannot answer (missing table, server down, bad argument).
HBASE_ERRORS = (HBaseIOError, IllegalArgument, TTransportException, OSError)


def error_message(error: BaseException) -> str:
    """The first line of HBase's message (Thrift errors carry the Java stack trace)."""
    message = getattr(error, "message", None) or str(error)
    if isinstance(message, bytes):
        message = message.decode(errors="replace")
    return message.strip().splitlines()[0][:300] if message.strip() else type(error).__name__


def connect(manifest: Manifest | None = None, *, host: str | None = None, port: int | None = None) -> happybase.Connection:
    """The Thrift v1 server published by the lab (or host/port given, e.g. `hbase-thrift:9090` inside it)."""
    # Inside the lab (the edge node) the server is reached by name, set in the environment.
    host = host or os.environ.get("LAB_HBASE_THRIFT_HOST") or (manifest or Manifest()).host
    port = port or int(os.environ.get("LAB_HBASE_THRIFT_PORT") or (manifest or Manifest()).port("HBASE_THRIFT_PORT"))
    try:
        return happybase.Connection(host, port, timeout=TIMEOUT_MS)
    except HBASE_ERRORS as error:
        raise LabError(
            f"cannot reach HBase's Thrift server at {host}:{port}: {error_message(error)}",
            hint="is the lab up? `labctl status` shows the hbase-thrift service",
        ) from error
