"""From received records to committed raw batches: policy, erasures, minimisation, batching, checkpoints.

Both the collector and the file ingestion feed records to a `BatchWriter` together with
their position in the source (a status id, a record number). Every `batch_size` records
the writer commits a batch and moves the checkpoint to the last position in it, in one
crash-safe protocol (labctl/lake/batches.py and checkpoints.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from labctl.lake.records import id_order
from labctl.governance.erased import ErasedAccounts, erased_pseudonyms
from labctl.governance.minimise import Minimiser
from labctl.governance.policy import IngestionPolicy
from labctl.governance.pseudonym import load_pseudonymiser
from labctl.lake.batches import BatchStats, Manifest, write_batch
from labctl.lake.checkpoints import Checkpoint, CheckpointStore, Pending
from labctl.lake.fs import FileSystem
from labctl.lake.layout import LakeLayout
from labctl.lake.lines import dumps_line

DEFAULT_BATCH_SIZE = 5000


def load_erased(fs: FileSystem, layout: LakeLayout, pseudonymiser=None) -> ErasedAccounts:
    """The accounts erased from this lake (`labctl gdpr forget`), which ingestion keeps out.

    The list holds pseudonyms, so matching needs the pseudonymisation key, read only when the
    list is not empty. An unreadable key then stops ingestion (KeyUnavailable): collecting
    without the check would bring erased accounts back.
    """
    pseudonyms = erased_pseudonyms(fs, layout)
    if not pseudonyms:
        return ErasedAccounts(None, ())
    return ErasedAccounts(pseudonymiser or load_pseudonymiser(), pseudonyms)


@dataclass
class _Pending:
    lines: list[bytes] = field(default_factory=list)
    parsed: int = 0
    unparsed: int = 0
    skipped: Counter = field(default_factory=Counter)
    redacted: Counter = field(default_factory=Counter)
    min_id: Any = None
    max_id: Any = None
    position: str | None = None
    seen: int = 0  # records of any kind since the last commit


@dataclass
class WriterTotals:
    records: int = 0  # everything received
    written: int = 0  # lines written (parsed + unparsed)
    unparsed: int = 0
    skipped: Counter = field(default_factory=Counter)
    redacted: Counter = field(default_factory=Counter)
    batches: list[Manifest] = field(default_factory=list)


class BatchWriter:
    def __init__(
        self,
        fs: FileSystem,
        layout: LakeLayout,
        *,
        instance: str,
        timeline: str,
        state_dir: str,
        checkpoint: Checkpoint | None,
        source: dict[str, Any],
        policy: IngestionPolicy,
        minimiser: Minimiser,
        erased: ErasedAccounts | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.fs, self.layout = fs, layout
        self.instance, self.timeline = instance, timeline
        self.state_dir = state_dir
        self.checkpoint = checkpoint
        self.store = CheckpointStore(fs, layout)
        self.source, self.policy, self.minimiser = source, policy, minimiser
        self.erased = erased
        self.batch_size = batch_size
        self.clock = clock
        self.totals = WriterTotals()
        self._pending = _Pending()

    @property
    def position(self) -> str | None:
        return self.checkpoint.position if self.checkpoint else None

    def add_status(self, status: dict[str, Any], position: str | None) -> bool:
        """Ingest one status unless the policy or an erasure excludes it; True when it was written.

        A status by an erased account, or boosting one, is skipped (reason `erased`); a status
        that mentions one is kept with the mention redacted, as `forget` left the lake. A record
        is counted once, under the first reason that applies: the policy's, then the erasure.
        """
        pending = self._pending
        self._track_id(status.get("id"))
        reason = self.policy.skip_reason(status)
        if reason is None and self.erased is not None:
            reason = self.erased.skip_reason(status)
        if reason is None:
            kept = self.minimiser(status)
            if self.erased is not None:
                redacted = self.erased.redact(kept)
                if redacted is not kept:
                    pending.redacted["erased"] += 1
                kept = redacted
            pending.lines.append(dumps_line(kept))
            pending.parsed += 1
        else:
            pending.skipped[reason] += 1
        self._advance(position)
        return reason is None

    def add_unparsed(self, line: bytes, position: str | None) -> None:
        """Pass a record through exactly as received: the jobs count it as malformed."""
        self._pending.lines.append(line)
        self._pending.unparsed += 1
        self._advance(position)

    def _track_id(self, status_id: Any) -> None:
        key = id_order(status_id)
        if key is None:
            return
        pending = self._pending
        if pending.min_id is None or key < id_order(pending.min_id):
            pending.min_id = status_id
        if pending.max_id is None or key > id_order(pending.max_id):
            pending.max_id = status_id

    def _advance(self, position: str | None) -> None:
        pending = self._pending
        pending.seen += 1
        if position is not None:
            pending.position = position
        if pending.seen >= self.batch_size:
            self.flush()

    def flush(self, *, complete: bool = False) -> Manifest | None:
        """Commit what is buffered (if anything) and move the checkpoint with it."""
        pending = self._pending
        if pending.seen == 0:
            if complete and not (self.checkpoint and self.checkpoint.complete):
                self.checkpoint = self.store.commit(self.state_dir, self.checkpoint, self.position, complete=True)
            return None
        through = pending.position if pending.position is not None else self.position
        stats = BatchStats(
            parsed=pending.parsed,
            unparsed=pending.unparsed,
            skipped=dict(pending.skipped),
            redacted=dict(pending.redacted),
            min_id=None if pending.min_id is None else str(pending.min_id),
            max_id=None if pending.max_id is None else str(pending.max_id),
            checkpoint_after=self.position,
            checkpoint_through=through,
            source=self.source,
            policy=self.policy.describe(),
            minimisation={"inventory_version": self.minimiser.version, "kept_fields": len(self.minimiser.paths)},
        )

        def record_intent(manifest: Manifest) -> None:
            intent = Pending(manifest.data_path, manifest.manifest_path, through or "")
            self.checkpoint = self.store.begin(self.state_dir, self.checkpoint, intent)

        manifest = write_batch(
            self.fs, self.layout, instance=self.instance, timeline=self.timeline, lines=pending.lines,
            stats=stats, now=self.clock(), before_commit=record_intent,
        )
        self.checkpoint = self.store.commit(self.state_dir, self.checkpoint, through, complete=complete)
        totals = self.totals
        totals.records += pending.seen
        totals.written += len(pending.lines)
        totals.unparsed += pending.unparsed
        totals.skipped.update(pending.skipped)
        totals.redacted.update(pending.redacted)
        totals.batches.append(manifest)
        self._pending = _Pending()
        return manifest
