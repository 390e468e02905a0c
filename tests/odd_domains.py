"""Recordings moved onto odd domains: the region rule's hard cases in whole data sets.

Each account's host is replaced, the same way in its `acct`, its `url` and the mentions of
it, by one of HOSTS (country codes in any case, a trailing dot, IDNs, numeric and IPv6
hosts), so the tests of instances and regions do not depend on the hosts a generator
happens to use. A line that is not a JSON object is kept as it was (malformed or not).
"""

from __future__ import annotations

import json
import zlib
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HOSTS = (
    "toot.example.de", "Social.Example.FR", "mast.example.jp.", "münchen.example.de", "xn--mnchen-3ya.example.at",
    "пример.рф", "example.xn--p1ai", "10.0.0.12", "[fd00::1]", "relay.example.gy", "example.io", "varo.social",
    "example.com", "localhost",
)  # fmt: skip
# The regions of HOSTS, worked out by hand from docs/metrics.md.
REGIONS = {"de", "fr", "jp", "at", "gy", "io", "generic"}


def new_host(user: str, host: str) -> str:
    """A server per account (so the few hosts of a recording spread over all of HOSTS)."""
    return HOSTS[zlib.crc32(f"{user}@{host}".encode()) % len(HOSTS)]


def rehost(node: Any) -> Any:
    """Every account and mention (an object with `acct` and `url`) moved to another server."""
    if isinstance(node, list):
        return [rehost(item) for item in node]
    if not isinstance(node, dict):
        return node
    moved = {key: rehost(value) for key, value in node.items()}
    url, acct = moved.get("url"), moved.get("acct")
    if isinstance(url, str) and isinstance(acct, str):
        parts = urlsplit(url)
        user, at, host = acct.partition("@")
        server = new_host(user, host if at else parts.netloc)
        moved["url"] = urlunsplit(parts._replace(netloc=server))
        moved["acct"] = f"{user}@{server}" if at else acct
    return moved


def _strict(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(constant)

    return json.loads(text, parse_constant=refuse)


def rehosted_lines(raw: bytes) -> bytes:
    """JSON lines with their servers moved."""
    out = []
    for line in raw.split(b"\n"):
        try:
            record = _strict(line.decode("utf-8"))
        except (ValueError, RecursionError):
            record = None
        out.append(json.dumps(rehost(record)).encode() if isinstance(record, dict) else line)
    return b"\n".join(out)
