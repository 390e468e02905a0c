"""Files of Mastodon statuses: JSON lines or one JSON array (as the API returns a page), gzip or not.

Reading keeps every record it cannot use: a line (or array element) that is not a JSON object
comes back with `status=None` and its bytes, so ingestion can pass it through for the jobs to
count. Lines are split on b"\\n" only: U+2028 inside a JSON string is not a line break here.

Everything is streamed, JSON arrays included: a file is never read whole, except a single
pretty-printed object (one record).

A record kept as received must stay one line for every reader that follows: Hadoop's
LineReader also ends a line at a bare CR, and a bad array element may span lines. Such a
record is kept escaped (`line_safe`): `ESCAPED_PREFIX`, then its bytes with backslash, CR and
LF written `\\\\`, `\\r`, `\\n`. The prefix is never the start of JSON, so the record stays
malformed; `unescape_line` gives the original bytes back.

A gzip file must be whole: truncated data, a corrupt block, a wrong checksum or bytes after
the last member that are not gzip raise `InputFileError`, naming the file and the byte of the
compressed file where reading stopped. Readers never see a short stream as if it had ended.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from labctl.core.errors import LabError
from labctl.lake.lines import decoder, dumps_line, parse_object

_GZIP_MAGIC = b"\x1f\x8b"
_WHITESPACE = b" \t\r\n"
_CHUNK = 1 << 20
_FIRST_LINE_LIMIT = 1 << 20  # bytes read to decide a file's kind; never the whole of a long line
ESCAPED_PREFIX = b"#line-escaped# "


class InputFileError(LabError):
    """An input file cannot be read whole (a damaged gzip file, an I/O error)."""


@dataclass(frozen=True)
class RawRecord:
    line: bytes  # the record as one line, without its newline (see line_safe)
    status: dict[str, Any] | None  # None: not a JSON object; keep `line` as it is


def line_safe(raw: bytes) -> bytes:
    """`raw` as one line every line reader sees whole: as it is, or escaped (see the module)."""
    if b"\r" not in raw and b"\n" not in raw and not raw.startswith(ESCAPED_PREFIX):
        return raw
    return ESCAPED_PREFIX + raw.replace(b"\\", b"\\\\").replace(b"\r", b"\\r").replace(b"\n", b"\\n")


_UNESCAPE = re.compile(rb"\\(.)", re.DOTALL)


def unescape_line(line: bytes) -> bytes:
    """The bytes a record had before `line_safe`."""
    if not line.startswith(ESCAPED_PREFIX):
        return line
    return _UNESCAPE.sub(lambda m: {b"r": b"\r", b"n": b"\n"}.get(m.group(1), m.group(1)), line[len(ESCAPED_PREFIX):])


# --- Reading bytes: gzip checked as it is read ---------------------------------------------

class _CheckedGzip(io.RawIOBase):
    """The decompressed bytes of a gzip file (every member), failing loudly where the file is
    damaged. Python's gzip module raises EOFError or zlib.error without saying where, and a
    reader that stops at the first exception sees a short stream."""

    def __init__(self, path: Path, raw: IO[bytes]):
        self.path, self._raw = path, raw
        self._size = os.fstat(raw.fileno()).st_size
        self._inflate: Any = zlib.decompressobj(wbits=31)
        self._input = b""  # compressed bytes not yet given to zlib
        self._input_at = 0  # their offset in the file
        self._member_started = True  # bytes of a member were (or are about to be) read
        self._output = memoryview(b"")
        self._produced = 0  # decompressed bytes so far
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._output and not self._done:
            self._step()
        count = min(len(buffer), len(self._output))
        buffer[:count] = self._output[:count]
        self._output = self._output[count:]
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _fail(self, offset: int, problem: str) -> InputFileError:
        return InputFileError(
            f"{self.path}: {problem} at byte {offset:,} of {self._size:,} (after {self._produced:,} uncompressed bytes)",
            hint="the file is damaged (an interrupted download or copy?): fetch it again (`gzip -t FILE` checks one); "
                 "nothing of it was used",
        )

    def _more(self) -> bool:
        chunk = self._raw.read(_CHUNK)
        if not chunk:
            return False
        if not self._input:
            self._input_at = self._raw.tell() - len(chunk)
        self._input += chunk
        return True

    def _step(self) -> None:
        if not self._input and not self._more():
            if self._inflate.eof or not self._member_started:
                self._done = True
                return
            raise self._fail(self._size, "the gzip data ends too early (truncated)")
        if self._inflate.eof:
            self._next_member()
            return
        data, before = self._input, self._inflate.copy()
        try:
            out = self._inflate.decompress(data, _CHUNK)
        except zlib.error as error:
            raise self._fail(self._input_at + _first_failing_byte(before, data), f"corrupt gzip data ({error})") from None
        # At a member's end the rest of the input is in unused_data (unconsumed_tail may
        # still hold it too, depending on the Python version: it is not added twice).
        rest = self._inflate.unused_data if self._inflate.eof else self._inflate.unconsumed_tail
        self._input_at += len(data) - len(rest)
        self._input = rest
        self._produced += len(out)
        self._output = memoryview(out)

    def _next_member(self) -> None:
        """After a member's end: zero padding (which gzip allows), another member, or the end."""
        stripped = self._input.lstrip(b"\0")
        self._input_at += len(self._input) - len(stripped)
        self._input = stripped
        while len(self._input) < 2 and self._more():
            stripped = self._input.lstrip(b"\0")
            self._input_at += len(self._input) - len(stripped)
            self._input = stripped
        if not self._input:
            self._member_started = False
            return
        if not self._input.startswith(_GZIP_MAGIC):
            raise self._fail(self._input_at, "bytes that are not gzip data after the end of the compressed data (trailing garbage)")
        self._inflate = zlib.decompressobj(wbits=31)
        self._member_started = True


def _first_failing_byte(state: Any, data: bytes) -> int:
    """The index of the byte of `data` whose decompression fails, from `state` (a copy of the
    decompressor before `data`): the shortest failing prefix, found by bisection."""
    low, high = 0, len(data)
    while low < high:
        middle = (low + high) // 2
        if _fails(state, data[: middle + 1]):
            high = middle
        else:
            low = middle + 1
    return low


def _fails(state: Any, data: bytes) -> bool:
    inflate = state.copy()
    try:
        while data and not inflate.eof:
            inflate.decompress(data, _CHUNK)  # output bounded: a small input may inflate a lot
            data = inflate.unconsumed_tail
    except zlib.error:
        return True
    return False


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as probe:
        return probe.read(2) == _GZIP_MAGIC


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed (and checked) when it is gzip, whatever its name says."""
    raw = open(path, "rb")
    if raw.read(2) != _GZIP_MAGIC:
        raw.seek(0)
        return raw
    raw.seek(0)
    return io.BufferedReader(_CheckedGzip(Path(path), raw), _CHUNK)


def check_file(path: Path) -> str:
    """The sha256 of the file's bytes, after reading a gzip file whole to the end: a damaged
    one raises InputFileError here, before anything of it is written anywhere."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            compressed = stream.read(2) == _GZIP_MAGIC
            stream.seek(0)
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                digest.update(chunk)
        if compressed:
            with open_binary(path) as stream:
                while stream.read(_CHUNK):
                    pass
    except OSError as error:
        raise _unreadable(path, error) from None
    return digest.hexdigest()


def _unreadable(path: Path, error: OSError) -> InputFileError:
    return InputFileError(f"cannot read {path}: {error.strerror or error}", hint="is it a readable file of statuses?")


# --- Records --------------------------------------------------------------------------------

def iter_raw_records(path: Path) -> Iterator[RawRecord]:
    """Every record of a statuses file, in file order."""
    try:
        with open_binary(path) as stream:
            yield from _records(stream)
    except OSError as error:
        raise _unreadable(path, error) from None


def file_kind(path: Path) -> str:
    """"lines" (JSON lines), "array" (one JSON array) or "object" (one pretty-printed object)."""
    try:
        with open_binary(path) as stream:
            return _kind(stream)[0]
    except OSError as error:
        raise _unreadable(path, error) from None


def _kind(stream: IO[bytes]) -> tuple[str, bytes]:
    """The file's kind from its first line (at most _FIRST_LINE_LIMIT bytes of it), and the
    bytes read to decide, which the reader then starts with.

    A file whose first line opens a JSON array is that array (pretty-printed, one element a
    line, or all on one line), read as a stream; unless that first line is a whole JSON
    value followed by more lines: JSON lines whose first record happens to be an array."""
    first = stream.readline(_FIRST_LINE_LIMIT)
    stripped = first.strip(_WHITESPACE)
    while not stripped and first:  # leading blank lines
        more = stream.readline(_FIRST_LINE_LIMIT)
        if not more:
            break
        first += more
        stripped = more.strip(_WHITESPACE)
    if stripped.startswith(b"["):
        if first.endswith(b"\n") and _is_json(stripped):
            rest = _skip_whitespace(stream)
            return ("lines" if rest else "array"), first + rest
        return "array", first
    if stripped.startswith(b"{") and first.endswith(b"\n") and not _is_json(stripped):
        return "object", first  # a pretty-printed object: its first line is not a whole record
    return "lines", first


def _is_json(data: bytes) -> bool:
    try:
        decoder.decode(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return True


def _skip_whitespace(stream: IO[bytes]) -> bytes:
    """Bytes up to and including the first that is not whitespace (b"" at the end)."""
    skipped = b""
    while chunk := stream.read(4096):
        stripped = chunk.lstrip(_WHITESPACE)
        if stripped:
            return skipped + chunk
        skipped += chunk
    return b""


def _records(stream: IO[bytes]) -> Iterator[RawRecord]:
    kind, head = _kind(stream)
    if kind == "object":
        data = head + stream.read()
        try:
            value = decoder.decode(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            value = None
        if isinstance(value, dict):
            yield RawRecord(dumps_line(value), value)
            return
        yield from _lines(_Prefixed(data, stream))
        return
    if kind == "array":
        yield from _array(head, stream)
        return
    yield from _lines(_Prefixed(head, stream))


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream."""

    def __init__(self, head: bytes, stream: IO[bytes]):
        self._head, self._stream = memoryview(head), stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _lines(source: io.RawIOBase) -> Iterator[RawRecord]:
    for raw in io.BufferedReader(source, _CHUNK):
        line = raw[:-1] if raw.endswith(b"\n") else raw
        status = parse_object(line)
        if status is not None:
            yield RawRecord(line, status)
        else:
            # A CR before the newline ends the line (as for Hadoop and the jobs), one inside it does not.
            yield RawRecord(line_safe(line.removesuffix(b"\r")), None)


def _element(raw: bytes) -> RawRecord:
    try:
        value = decoder.decode(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return RawRecord(line_safe(raw), None)
    return RawRecord(dumps_line(value), value if isinstance(value, dict) else None)


# A JSON string (unrolled loop: no backtracking), a bracket or comma, or a string that does
# not end within the bytes read so far.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]|"', re.DOTALL)
_NOT_WHITESPACE = re.compile(rb"[^ \t\r\n]")


def _array(head: bytes, stream: IO[bytes]) -> Iterator[RawRecord]:
    """The elements of the array that `head` opens, one record each, read as they come.

    Element boundaries are found by the brackets and commas outside strings, so an element
    that is not valid JSON (NaN, a stray brace, bad UTF-8) is one malformed record and the
    next element is read as usual. An array cut short ends with its unfinished element as
    one malformed record; whatever follows the array's end is read as JSON lines."""
    buffer = head
    pos = buffer.index(b"[") + 1
    at_end = False

    def more() -> bool:
        nonlocal buffer, pos, at_end
        chunk = b"" if at_end else stream.read(_CHUNK)
        if not chunk:
            at_end = True
            return False
        buffer += chunk
        return True

    while True:
        if pos > _CHUNK:  # forget what was consumed, now and then rather than per element
            buffer, pos = buffer[pos:], 0
        while True:  # the start of the next element
            found = _NOT_WHITESPACE.search(buffer, pos)
            pos = found.start() if found else len(buffer)
            if found or not more():
                break
        if pos >= len(buffer):
            return  # the array ends without "]" between elements: nothing is left unread
        if buffer[pos : pos + 1] == b"]":
            pos += 1
            break
        if buffer[pos : pos + 1] == b",":  # an empty element ("[1,,2]"): no record in it
            pos += 1
            continue
        start, scan, depth, closed = pos, pos, 0, False
        while True:
            match = _TOKEN.search(buffer, scan)
            if match is None or match.group() == b'"':
                scan = len(buffer) if match is None else match.start()
                if more():
                    continue
                raw = buffer[start:].rstrip(_WHITESPACE)
                if raw:
                    yield RawRecord(line_safe(raw), None)  # cut short: kept whole, malformed
                return
            token, scan = match.group(), match.end()
            if token[:1] == b'"':
                continue
            if token in (b"[", b"{"):
                depth += 1
            elif token in (b"]", b"}"):
                if depth == 0 and token == b"]":
                    closed = True
                    break
                depth = max(depth - 1, 0)
            elif depth == 0:  # a comma between elements
                break
        raw = buffer[start : match.start()].rstrip(_WHITESPACE)
        pos = match.end()
        if raw:
            yield _element(raw)
        if closed:
            break
    rest = buffer[pos:]
    if not rest.strip(_WHITESPACE):
        rest = _skip_whitespace(stream)
        if not rest:
            return
    # Something after the array: the rest of its line, then more lines.
    yield from (record for record in _lines(_Prefixed(rest, stream)) if record.line.strip(_WHITESPACE))


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
