"""Checkpoints in the lake's state area, crash-safe on HDFS as well as on a local disk.

A checkpoint is a position in a source: the newest status id collected from a timeline, or
the number of records ingested from a file. Each update is a new file `<seq>.json` in the
source's directory, never an overwrite, because WebHDFS cannot replace a file atomically;
the highest sequence number wins and older versions are pruned.

A batch commit is a two-step protocol with the raw zone (see batches.py): before the data
file is renamed into place the checkpoint records a *pending* position naming that file;
afterwards it records the position itself. On load, a pending entry whose data file exists
was committed, one whose file is absent was not (and its orphan manifest is removed). So the
checkpoint never runs ahead of the data, nor behind it: no gaps and no duplicates.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from labctl.lake.fs import FileSystem, atomic_write, discard_quietly
from labctl.lake.layout import LakeLayout

_VERSION_FILE = re.compile(r"^(\d{12})\.json$")
_KEEP_VERSIONS = 2


@dataclass(frozen=True)
class Pending:
    data_path: str
    manifest_path: str
    position: str


@dataclass(frozen=True)
class Checkpoint:
    position: str | None = None  # None: nothing collected yet
    pending: Pending | None = None
    complete: bool = False  # a finite source (a file) fully ingested
    updated_at: str = ""
    seq: int = 0
    info: dict[str, Any] = field(default_factory=dict)


class CheckpointStore:
    def __init__(self, fs: FileSystem, layout: LakeLayout):
        self.fs = fs
        self.layout = layout

    def load(self, directory: str) -> Checkpoint | None:
        """The latest checkpoint with any pending commit resolved, or None if there is none."""
        for seq, path in sorted(self._versions(directory), reverse=True):
            try:
                raw = json.loads(self.fs.read_bytes(path))
            except (OSError, ValueError):
                continue  # unreadable version: fall back to the previous one
            return self._resolve(_from_json(raw, seq))
        return None

    def begin(self, directory: str, current: Checkpoint | None, pending: Pending) -> Checkpoint:
        """Record the intent to commit the batch `pending` names."""
        base = current or Checkpoint()
        return self._write(directory, replace(base, pending=pending))

    def commit(
        self, directory: str, current: Checkpoint | None, position: str | None, *, complete: bool = False
    ) -> Checkpoint:
        base = current or Checkpoint()
        return self._write(directory, replace(base, position=position, pending=None, complete=complete))

    def _resolve(self, checkpoint: Checkpoint) -> Checkpoint:
        pending = checkpoint.pending
        if pending is None:
            return checkpoint
        if self.fs.exists(pending.data_path):
            return replace(checkpoint, position=pending.position, pending=None)
        discard_quietly(self.fs, pending.manifest_path)
        return replace(checkpoint, pending=None)

    def _versions(self, directory: str) -> list[tuple[int, str]]:
        versions = []
        for entry in self.fs.list_dir(directory):
            match = _VERSION_FILE.match(entry.name)
            if match and not entry.is_dir:
                versions.append((int(match.group(1)), entry.path))
        return versions

    def _write(self, directory: str, checkpoint: Checkpoint) -> Checkpoint:
        existing = self._versions(directory)
        seq = max((s for s, _ in existing), default=checkpoint.seq) + 1
        checkpoint = replace(
            checkpoint, seq=seq, updated_at=datetime.now(timezone.utc).isoformat(timespec="seconds")
        )
        body = json.dumps(asdict(checkpoint), indent=2, sort_keys=True).encode() + b"\n"
        atomic_write(self.fs, self.layout.tmp_zone, f"{directory}/{seq:012d}.json", body)
        for old_seq, path in existing:
            if old_seq <= seq - _KEEP_VERSIONS:
                discard_quietly(self.fs, path)
        return checkpoint


def _from_json(raw: dict[str, Any], seq: int) -> Checkpoint:
    pending = raw.get("pending")
    return Checkpoint(
        position=raw.get("position"),
        pending=Pending(**pending) if pending else None,
        complete=bool(raw.get("complete", False)),
        updated_at=raw.get("updated_at", ""),
        seq=seq,
        info=dict(raw.get("info") or {}),
    )
