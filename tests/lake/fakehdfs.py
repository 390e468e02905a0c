"""An in-memory stand-in for `hdfs.InsecureClient`, with WebHDFS's semantics where they
differ from a local disk: rename moves *into* an existing directory, a parent directory
must exist for rename, write creates parents."""

from __future__ import annotations

import io
import posixpath
from contextlib import contextmanager


class HdfsError(Exception):
    pass


class FakeHdfsClient:
    url = "http://fake-namenode:9870"

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.dirs: set[str] = {"/"}

    def _mkparents(self, path: str) -> None:
        parent = posixpath.dirname(path)
        while parent not in self.dirs:
            self.dirs.add(parent)
            parent = posixpath.dirname(parent)

    def status(self, path: str, strict: bool = True):
        if path in self.files:
            return {"type": "FILE", "length": len(self.files[path])}
        if path in self.dirs:
            return {"type": "DIRECTORY", "length": 0}
        if strict:
            raise HdfsError(f"File does not exist: {path}")
        return None

    def list(self, path: str, status: bool = False):
        if path not in self.dirs:
            raise HdfsError(f"File does not exist: {path}")
        names = {p[len(path.rstrip("/")) + 1:].split("/")[0] for p in list(self.files) + list(self.dirs)
                 if p.startswith(path.rstrip("/") + "/") and p != path}
        result = sorted(names)
        if not status:
            return result
        return [(name, self.status(posixpath.join(path, name))) for name in result]

    @contextmanager
    def read(self, path: str):
        if path not in self.files:
            raise HdfsError(f"File does not exist: {path}")
        yield io.BytesIO(self.files[path])

    def write(self, path: str, data: bytes = b"", overwrite: bool = False) -> None:
        if path in self.files and not overwrite:
            raise HdfsError(f"{path} exists")
        self._mkparents(path)
        self.files[path] = bytes(data)

    def content(self, path: str, strict: bool = True):
        """WebHDFS's GETCONTENTSUMMARY: the bytes of every file below a path."""
        if path not in self.dirs and path not in self.files:
            if strict:
                raise HdfsError(f"File does not exist: {path}")
            return None
        below = [data for name, data in self.files.items() if name == path or name.startswith(path.rstrip("/") + "/")]
        return {"length": sum(map(len, below)), "fileCount": len(below)}

    def makedirs(self, path: str) -> None:
        self._mkparents(path + "/x")

    def rename(self, src: str, dst: str) -> None:
        if posixpath.dirname(dst) not in self.dirs:
            raise HdfsError("parent of destination missing")
        if dst in self.dirs:
            dst = posixpath.join(dst, posixpath.basename(src))
        if dst in self.files:
            raise HdfsError(f"Unable to rename {src} to {dst}")
        if src in self.files:
            self.files[dst] = self.files.pop(src)
        elif src in self.dirs:
            for path in [p for p in self.files if p.startswith(src + "/")]:
                self.files[dst + path[len(src):]] = self.files.pop(path)
            self.dirs = {dst + d[len(src):] if d == src or d.startswith(src + "/") else d for d in self.dirs}
        else:
            raise HdfsError(f"File does not exist: {src}")

    def delete(self, path: str, recursive: bool = False) -> bool:
        if path in self.files:
            del self.files[path]
            return True
        if path not in self.dirs:
            return False
        children = [p for p in list(self.files) + list(self.dirs) if p.startswith(path + "/")]
        if children and not recursive:
            raise HdfsError(f"{path} is non empty")
        for child in children:
            self.files.pop(child, None)
            self.dirs.discard(child)
        self.dirs.discard(path)
        return True
