"""A record of the lake is one JSON object on one line: how a line is read and written.

Ingestion writes records this way, erasure rewrites them, the replay server and the jobs read
them; only RFC 8259 JSON counts (the jobs reject NaN and Infinity too).
"""

from __future__ import annotations

import json
from typing import Any


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# RFC 8259 JSON only: Python would otherwise accept NaN and Infinity, which the jobs reject.
decoder = json.JSONDecoder(parse_constant=_reject_constant)


def parse_object(line: bytes) -> dict[str, Any] | None:
    """The JSON object on a line, or None when the line is anything else."""
    try:
        value = decoder.decode(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def dumps_line(value: Any) -> bytes:
    """One JSON line in UTF-8. U+2028/U+2029 are escaped: some line readers split on them."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the source): keep it escaped, the line stays valid
        return json.dumps(value, separators=(",", ":")).encode("ascii")
