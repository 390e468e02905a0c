"""Running the replay app: waitress for the compose service, a background thread for tests and benchmarks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from labctl.replay.app import ConnectionDropped
from labctl.core.addresses import LOOPBACK
from labctl.replay.config import ReplayConfig

log = logging.getLogger("labctl.replay")


@dataclass(frozen=True)
class RunningServer:
    url: str
    app: Any  # a Flask app, or the WSGI app of several (create_replay)
    server: BaseWSGIServer


@contextmanager
def serve_in_thread(app: Any, host: str = LOOPBACK, port: int = 0) -> Iterator[RunningServer]:
    """Serve `app` on a free loopback port in a daemon thread for the duration of the block."""
    server = make_server(host, port, app, threaded=True)
    server.daemon_threads = True
    # The dropped-connection fault ends a response with an exception on purpose; the
    # development server would print a traceback for each.
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    # A short poll interval: shutdown() waits for the loop to notice, 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              name="replay-server", daemon=True)
    thread.start()
    try:
        yield RunningServer(f"http://{host}:{server.server_port}", app, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _QuietInjectedDrops(logging.Filter):
    """waitress logs a traceback for an app that fails mid-response; an injected drop is no error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def serve_forever(app: Any, config: ReplayConfig) -> None:
    """Production serving, as the compose service runs it."""
    from waitress import serve

    logging.getLogger("waitress").addFilter(_QuietInjectedDrops())
    log.info("listening on http://%s:%d", config.host, config.port)
    serve(app, host=config.host, port=config.port, threads=config.threads, ident="labctl.replay")
