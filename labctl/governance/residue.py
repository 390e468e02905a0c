"""Does anything still name the account? Files searched as a reader would see them.

`forget` asks it three times: which derived runs to delete, which waiting uploads to delete,
and, once done, what is left anywhere in the lake (the residue its report and audit record).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from collections.abc import Iterable, Iterator

from labctl.governance.handles import Needles
from labctl.lake.fs import FileSystem, walk_files
from labctl.lake.lines import parse_object

_GZIP_MAGIC = b"\x1f\x8b"


def _file_texts(data: bytes) -> Iterator[bytes]:
    """A file's bytes as a reader would see them: decompressed, and the malformed lines that
    derived files keep base64-encoded decoded (the quarantine's `line_base64`, the jobs'
    `malformed<TAB>reason<TAB>"base64"` rows in the work zone)."""
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            pass
    yield data
    if b"line_base64" not in data and b"malformed\t" not in data:
        return
    for line in data.split(b"\n"):
        encoded = _embedded_base64(line)
        if encoded is not None:
            try:
                yield base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                continue


def _embedded_base64(line: bytes) -> str | None:
    if line.startswith(b"malformed\t"):  # a wire row: key fields, then a JSON value
        try:
            value = json.loads(line.rstrip(b"\r").rsplit(b"\t", 1)[1])
        except (ValueError, IndexError):
            return None
        return value if isinstance(value, str) else None
    record = parse_object(line) if b"line_base64" in line else None
    encoded = record.get("line_base64") if record else None
    return encoded if isinstance(encoded, str) else None


def files_naming(fs: FileSystem, root: str, needles: Needles, *, skip: Iterable[str] = ()) -> list[str]:
    skipped = tuple(f"{path}/" for path in skip)
    return [
        entry.path for entry in walk_files(fs, root)
        if not entry.path.startswith(skipped)
        and any(needles.found_in(text) for text in _file_texts(fs.read_bytes(entry.path)))
    ]


def run_dir(zone: str, path: str) -> str:
    """The run folder (`<zone>/<run>`) a derived file belongs to."""
    return f"{zone}/{path[len(zone) + 1:].split('/', 1)[0]}"
