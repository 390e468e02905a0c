"""The small filesystem interface the lake needs, with a local and a WebHDFS backend.

Paths are absolute POSIX strings in the lake's namespace (`/lake/raw/...`) whatever the
backend, so layout code and tests never know where the bytes really are.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Entry:
    name: str
    path: str
    is_dir: bool
    size: int


class FileSystem(Protocol):
    def read_bytes(self, path: str) -> bytes: ...

    def write_bytes(self, path: str, data: bytes) -> None:
        """Create or replace a file, creating its parent directories. Not atomic: see atomic_write."""

    def rename(self, src: str, dst: str) -> None:
        """Move src to dst (creating dst's parents); FileExistsError if dst exists."""

    def exists(self, path: str) -> bool: ...

    def list_dir(self, path: str) -> list[Entry]:
        """The entries of a directory, sorted by name; [] when it does not exist."""

    def delete(self, path: str, recursive: bool = False) -> bool:
        """Remove a file or directory; False when there was nothing to remove."""


def _check_absolute(path: str) -> str:
    if not path.startswith("/"):
        raise ValueError(f"lake paths are absolute, got {path!r}")
    normal = posixpath.normpath(path)
    if normal != path.rstrip("/") and path != "/":
        raise ValueError(f"lake path is not normalised: {path!r}")
    return normal


class LocalFileSystem:
    """The lake in a local directory: `/lake/raw/x` is `<base>/lake/raw/x`."""

    def __init__(self, base: str | Path):
        self.base = Path(base).resolve()

    def __repr__(self) -> str:
        return f"LocalFileSystem({str(self.base)!r})"

    def local_path(self, path: str) -> Path:
        return self.base / _check_absolute(path).lstrip("/")

    def read_bytes(self, path: str) -> bytes:
        return self.local_path(path).read_bytes()

    def write_bytes(self, path: str, data: bytes) -> None:
        target = self.local_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def rename(self, src: str, dst: str) -> None:
        source, target = self.local_path(src), self.local_path(dst)
        if target.exists():
            raise FileExistsError(f"{dst} already exists")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(source, target)  # atomic within one filesystem, which the lake is

    def exists(self, path: str) -> bool:
        return self.local_path(path).exists()

    def list_dir(self, path: str) -> list[Entry]:
        directory = self.local_path(path)
        if not directory.is_dir():
            return []
        base = _check_absolute(path)
        return [
            Entry(child.name, posixpath.join(base, child.name), child.is_dir(),
                  0 if child.is_dir() else child.stat().st_size)
            for child in sorted(directory.iterdir(), key=lambda p: p.name)
        ]

    def delete(self, path: str, recursive: bool = False) -> bool:
        target = self.local_path(path)
        if not target.exists():
            return False
        if target.is_dir():
            if recursive:
                shutil.rmtree(target)
            else:
                target.rmdir()
        else:
            target.unlink()
        return True


class WebHdfsFileSystem:
    """The lake on HDFS through WebHDFS (the `hdfs` package's client)."""

    def __init__(self, client: Any):
        self.client = client

    def __repr__(self) -> str:
        return f"WebHdfsFileSystem({getattr(self.client, 'url', '?')!r})"

    def read_bytes(self, path: str) -> bytes:
        with self.client.read(_check_absolute(path)) as reader:
            return reader.read()

    def write_bytes(self, path: str, data: bytes) -> None:
        self.client.write(_check_absolute(path), data=data, overwrite=True)

    def rename(self, src: str, dst: str) -> None:
        dst = _check_absolute(dst)
        # WebHDFS moves src *into* dst when dst is a directory; refuse instead of nesting.
        if self.exists(dst):
            raise FileExistsError(f"{dst} already exists")
        self.client.makedirs(posixpath.dirname(dst))
        self.client.rename(_check_absolute(src), dst)

    def exists(self, path: str) -> bool:
        return self.client.status(_check_absolute(path), strict=False) is not None

    def list_dir(self, path: str) -> list[Entry]:
        base = _check_absolute(path)
        status = self.client.status(base, strict=False)
        if status is None or status.get("type") != "DIRECTORY":
            return []
        return [
            Entry(name, posixpath.join(base, name), info.get("type") == "DIRECTORY", int(info.get("length", 0)))
            for name, info in sorted(self.client.list(base, status=True))
        ]

    def delete(self, path: str, recursive: bool = False) -> bool:
        return bool(self.client.delete(_check_absolute(path), recursive=recursive))


def open_filesystem(location: str, *, user: str | None = None) -> FileSystem:
    """A backend from a location: a local directory (or file:// URL), or a WebHDFS URL
    (a NameNode's web address, http://HOST:PORT or webhdfs://HOST:PORT)."""
    parts = urlsplit(location)
    if parts.scheme in ("http", "https", "webhdfs"):
        from labctl.core.clients import webhdfs

        scheme = "https" if parts.scheme == "https" else "http"
        return WebHdfsFileSystem(webhdfs(user, url=f"{scheme}://{parts.netloc}"))
    if parts.scheme == "file":
        return LocalFileSystem(parts.path)
    if parts.scheme:
        raise ValueError(
            f"unsupported lake location {location!r}: give a directory, file:///dir, or a NameNode's web address, http://HOST:PORT"
        )
    return LocalFileSystem(location)


def open_lake(user: str | None, *, location: str | None = None) -> FileSystem:
    """The lake at `location`, or the target's HDFS (its NameNode in the address book)."""
    if location is None:
        from labctl.core.addresses import current

        location = current().namenode
    return open_filesystem(location, user=user)


def atomic_write(fs: FileSystem, tmp_dir: str, path: str, data: bytes) -> None:
    """Write under a temporary name outside every zone, then rename into place.

    A reader sees the whole file or nothing; a failure leaves at most a file in tmp_dir.
    """
    tmp = f"{tmp_dir}/{uuid.uuid4().hex}-{posixpath.basename(path)}.inprogress"
    try:
        fs.write_bytes(tmp, data)
        fs.rename(tmp, path)
    except BaseException:
        discard_quietly(fs, tmp)
        raise


def discard_quietly(fs: FileSystem, path: str) -> None:
    try:
        fs.delete(path)
    except Exception:  # the original error matters more; a leftover in _tmp is harmless
        pass


def walk_files(fs: FileSystem, path: str) -> Iterator[Entry]:
    """Every file below a directory, depth first, in name order."""
    for entry in fs.list_dir(path):
        if entry.is_dir:
            yield from walk_files(fs, entry.path)
        else:
            yield entry
