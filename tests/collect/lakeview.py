"""Reading a test lake back the way a job would: every line the raw glob reaches."""

from __future__ import annotations

import gzip
import json
from fnmatch import fnmatchcase

from labctl.lake.batches import read_manifest
from labctl.lake.fs import FileSystem, walk_files
from labctl.lake.layout import LakeLayout

LAYOUT = LakeLayout()


def lake_lines(fs: FileSystem) -> list[bytes]:
    lines = []
    for entry in walk_files(fs, LAYOUT.root):
        if fnmatchcase(entry.path, LAYOUT.raw_glob()):
            lines += gzip.decompress(fs.read_bytes(entry.path)).split(b"\n")[:-1]
    return lines


def lake_ids(fs: FileSystem) -> list[str]:
    return [json.loads(line)["id"] for line in lake_lines(fs)]


def manifests(fs: FileSystem) -> list[dict]:
    return [read_manifest(fs, e.path) for e in walk_files(fs, LAYOUT.root) if "/_manifests/" in e.path]
