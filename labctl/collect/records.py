"""Files of Mastodon statuses: JSON lines or one JSON array (as the API returns a page), gzip or not.

Reading keeps every line it cannot use as it is: a line that is not a JSON object comes back
with `status=None` and its exact bytes, so ingestion can pass it through for the jobs to count.
Lines are split on b"\\n" only: U+2028 inside a JSON string is not a line break here.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from labctl.lake.lines import decoder, dumps_line, parse_object

_GZIP_MAGIC = b"\x1f\x8b"
_WHITESPACE = b" \t\r\n"


@dataclass(frozen=True)
class RawRecord:
    line: bytes  # the record as one line, without its newline
    status: dict[str, Any] | None  # None: not a JSON object; keep `line` as it is


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (whatever its name says)."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == _GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def iter_raw_records(path: Path) -> Iterator[RawRecord]:
    """Every record of a statuses file, in file order."""
    if _is_single_document(path):
        with open_binary(path) as stream:
            document = _whole_document(stream.read())
        if document is not None:
            items = document if isinstance(document, list) else [document]
            for item in items:
                yield RawRecord(dumps_line(item), item if isinstance(item, dict) else None)
            return
    with open_binary(path) as stream:
        for raw in stream:
            line = raw[:-1] if raw.endswith(b"\n") else raw
            yield RawRecord(line, parse_object(line))


def _is_single_document(path: Path) -> bool:
    """True when the first line is not a complete JSON value on its own but starts one:
    a pretty-printed array or object. A JSON-lines file never reads its whole body at once."""
    with open_binary(path) as stream:
        first = stream.readline()
    stripped = first.strip(_WHITESPACE)
    if not stripped[:1] in (b"[", b"{"):
        return False
    try:
        decoder.decode(stripped.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return True
    return stripped[:1] == b"["  # a one-line array is one document too


def _whole_document(data: bytes) -> Any | None:
    """The file as one JSON value, or None to fall back to reading it line by line."""
    try:
        return decoder.decode(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def id_order(value: Any) -> tuple[int, int | str] | None:
    """A sort key for status ids: numbers (Mastodon's snowflakes) numerically, other
    strings (e.g. Pleroma's flake ids, fixed-width base62) lexically after them."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (0, value)
    if isinstance(value, str) and value:
        return (0, int(value)) if value.isascii() and value.isdigit() else (1, value)
    return None
