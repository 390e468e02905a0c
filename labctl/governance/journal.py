"""Crash-safe replacement of rewritten batches: stage, journal, roll forward.

The new data file and manifest are staged under `_tmp/`, a journal in the state area lists
the replacements, then each file is deleted and its staged copy renamed into place (WebHDFS
cannot rename over a file). An interrupted operation is rolled forward by the next
`forget`/`purge` (`recover`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from labctl.governance.audit import ErasureReport, write_audit
from labctl.governance.rewrites import Rewrite, manifest_dumps, rewritten_manifest
from labctl.lake.batches import encode_lines
from labctl.lake.fs import FileSystem, atomic_write
from labctl.lake.layout import DATA_SUFFIX, LakeLayout

_STAGED_PREFIX = "erasure-"


def journal_dir(layout: LakeLayout) -> str:
    return f"{layout.state_zone}/erasures/pending"


def _roll_forward(fs: FileSystem, staged: str, path: str) -> None:
    """Put `staged` in place of `path`. Idempotent: a staged file that is gone was moved already."""
    if not fs.exists(staged):
        return
    if fs.exists(path):
        fs.delete(path)
    fs.rename(staged, path)


def _stage(fs: FileSystem, layout: LakeLayout, op_id: str, rewrites: list[Rewrite], op: Mapping[str, Any],
           problems: list[str]) -> list[dict[str, str]]:
    replacements = []
    for number, rewrite in enumerate(rewrites):
        data = encode_lines(rewrite.lines)
        staged = layout.tmp_file(f"{_STAGED_PREFIX}{op_id}-{number:05d}{DATA_SUFFIX}.inprogress")
        fs.write_bytes(staged, data)
        replacements.append({"staged": staged, "path": rewrite.batch.data_path})
        try:
            manifest = json.loads(fs.read_bytes(rewrite.batch.manifest_path))
        except (OSError, ValueError):
            problems.append(f"no readable manifest for {rewrite.batch.data_path}: data rewritten, manifest not updated")
            continue
        staged_manifest = layout.tmp_file(f"{_STAGED_PREFIX}{op_id}-{number:05d}.json.inprogress")
        fs.write_bytes(staged_manifest, manifest_dumps(rewritten_manifest(manifest, rewrite, data, op)))
        replacements.append({"staged": staged_manifest, "path": rewrite.batch.manifest_path})
    return replacements


def recover(fs: FileSystem, layout: LakeLayout) -> list[str]:
    """Finish operations a crash interrupted: their files are put in place, their audit record
    written. Files staged by an operation that died before its journal are deleted: nothing
    had changed yet. Returns the ids of the finished operations."""
    finished = []
    for entry in fs.list_dir(journal_dir(layout)):
        if entry.is_dir or not entry.name.endswith(".json"):
            continue
        journal = json.loads(fs.read_bytes(entry.path))
        for replacement in journal["replacements"]:
            _roll_forward(fs, replacement["staged"], replacement["path"])
        for run in journal.get("delete", []):
            fs.delete(run, recursive=True)
        write_audit(fs, layout, {**journal["audit"], "completed_by_recovery": True})
        fs.delete(entry.path)
        finished.append(journal["audit"]["id"])
    for entry in fs.list_dir(layout.tmp_zone):
        if entry.name.startswith(_STAGED_PREFIX) and not entry.is_dir:
            fs.delete(entry.path)
    return finished


def apply(fs: FileSystem, layout: LakeLayout, report: ErasureReport, rewrites: list[Rewrite],
          delete: list[str], finish: Callable[[], None] | None = None) -> None:
    """Stage, journal, replace, (finish), audit: the order that makes a crash recoverable."""
    op = {"id": report.id, "kind": report.kind, "at": report.at}
    replacements = _stage(fs, layout, report.id, rewrites, op, report.problems)
    journal = f"{journal_dir(layout)}/{report.id}.json"
    body = {"replacements": replacements, "delete": delete, "audit": report.audit_record()}
    atomic_write(fs, layout.tmp_zone, journal, json.dumps(body, sort_keys=True).encode() + b"\n")
    for replacement in replacements:
        _roll_forward(fs, replacement["staged"], replacement["path"])
    for path in delete:
        fs.delete(path, recursive=True)
    if finish is not None:
        finish()
    report.audit_path = write_audit(fs, layout, report.audit_record())
    fs.delete(journal)
