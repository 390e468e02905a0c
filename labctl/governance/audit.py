"""The report of one erasure or purge, and the audit log: one record per operation under
`_state/audit/erasures/`, naming the account by pseudonym, never by handle (a handle in the
reason, a problem or a path is masked before the record is written).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from labctl.governance.handles import ErasureError
from labctl.lake.fs import FileSystem, atomic_write
from labctl.lake.layout import LakeLayout


def audit_dir(layout: LakeLayout) -> str:
    return f"{layout.state_zone}/audit/erasures"


@dataclass
class ErasureReport:
    id: str
    kind: str  # "forget" or "purge"
    at: str
    actor: str
    reason: str
    subject: dict[str, Any]  # forget: the pseudonym; purge: how many ids and their digest
    batches_scanned: int = 0
    batches_rewritten: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    derived_runs_deleted: list[str] = field(default_factory=list)
    uploads_deleted: int = 0  # files on the edge node waiting for a pipeline run
    hbase: str = "not applicable"  # "rows deleted", "skipped", "failed: ...", "not applicable"
    hbase_rows: int | None = None
    residue: list[str] = field(default_factory=list)  # files still naming the subject afterwards
    problems: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)  # interrupted operations finished first
    dry_run: bool = False
    audit_path: str | None = None

    @property
    def ok(self) -> bool:
        return not self.residue and not self.hbase.startswith("failed")

    def audit_record(self) -> dict[str, Any]:
        keys = ("id", "kind", "at", "actor", "reason", "subject", "batches_scanned", "batches_rewritten",
                "counts", "derived_runs_deleted", "uploads_deleted", "hbase", "hbase_rows", "residue", "problems")
        record = asdict(self)
        return {key: record[key] for key in keys}


def new_report(kind: str, now: datetime | None, actor: str, reason: str, subject: dict[str, Any]) -> ErasureReport:
    if not actor.strip():
        raise ErasureError("an erasure needs the name of who carries it out (audit_actor)")
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    # Sortable to the microsecond, so the audit log lists two erasures of one second in order.
    op_id = f"{now:%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:8]}"
    return ErasureReport(id=op_id, kind=kind, at=now.isoformat(timespec="milliseconds"),
                         actor=actor.strip(), reason=reason.strip(), subject=subject)


def write_audit(fs: FileSystem, layout: LakeLayout, record: Mapping[str, Any]) -> str:
    path = f"{audit_dir(layout)}/{record['id']}.json"
    if not fs.exists(path):
        atomic_write(fs, layout.tmp_zone, path, (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode())
    return path


def read_audit_log(fs: FileSystem, layout: LakeLayout) -> list[dict[str, Any]]:
    """Every erasure and purge on record, oldest first (ids sort by time)."""
    records = []
    for entry in fs.list_dir(audit_dir(layout)):
        if not entry.is_dir and entry.name.endswith(".json"):
            records.append(json.loads(fs.read_bytes(entry.path)))
    return sorted(records, key=lambda r: r.get("id", ""))
