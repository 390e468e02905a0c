"""The Mastodon replay server: a recording served over the Mastodon REST API."""

from labctl.replay.app import create_app, create_replay
from labctl.replay.config import ReplayConfig
from labctl.replay.limits import FaultConfig
from labctl.replay.server import serve_in_thread
from labctl.replay.store import StatusStore

__all__ = ["FaultConfig", "ReplayConfig", "StatusStore", "create_app", "create_replay", "serve_in_thread"]
