"""Collection: from a Mastodon instance (live or replayed) or from files into the lake's raw zone."""

from labctl.collect.access import AccessReport, check_access
from labctl.collect.client import ClientOptions, MastodonClient
from labctl.collect.collector import CollectOptions, CollectResult, collect_timeline
from labctl.collect.errors import AccessDenied, CollectError, TokenError
from labctl.collect.files import FileResult, ingest_files
from labctl.collect.recording import RecordResult, record_timeline, write_recording
from labctl.collect.timelines import Timeline
from labctl.collect.token import Secret, load_token

__all__ = [
    "AccessDenied",
    "AccessReport",
    "ClientOptions",
    "CollectError",
    "CollectOptions",
    "CollectResult",
    "FileResult",
    "MastodonClient",
    "RecordResult",
    "Secret",
    "Timeline",
    "TokenError",
    "check_access",
    "collect_timeline",
    "ingest_files",
    "load_token",
    "record_timeline",
    "write_recording",
]
