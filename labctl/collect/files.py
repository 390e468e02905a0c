"""Ingest files of statuses into the raw zone (what `labctl seed --file` runs).

The same policy, minimisation and batching as the collector apply to every line that is a
JSON object; any other line is passed through unchanged and counted as `unparsed`, so the
jobs see, and count, exactly the malformed records the file had (a record holding a CR or a
line break is kept escaped, one line: labctl/lake/records.py).

A gzip file is read to its end before anything is written: a truncated or corrupt one, or
one followed by bytes that are not gzip, is refused with an error naming the file and the
byte where it breaks (`InputFileError`), and the lake is left as it was.

Ingestion is idempotent per file content: the file's sha256 names its checkpoint, whose
position is the number of records already committed. A second run of a fully ingested file
does nothing; a run after a crash resumes after the last committed batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labctl.collect.errors import CollectError
from labctl.lake.records import check_file, iter_raw_records
from labctl.collect.writer import DEFAULT_BATCH_SIZE, BatchWriter, load_erased
from labctl.governance.erased import ErasedAccounts
from labctl.governance.minimise import DEFAULT_MINIMISER, Minimiser
from labctl.governance.policy import IngestionPolicy
from labctl.governance.pseudonym import Pseudonymiser
from labctl.lake.checkpoints import CheckpointStore
from labctl.lake.fs import FileSystem
from labctl.lake.layout import LakeLayout

log = logging.getLogger(__name__)

DEFAULT_INSTANCE = "files"
DEFAULT_TIMELINE = "import"


class OutsideUploads(CollectError):
    """A file to ingest that is not in the upload folder (the pipeline reads nothing else)."""


def uploaded_files(paths: Sequence[Path | str], folder: Path | str) -> list[Path]:
    """The files, each checked to be a file inside `folder` once links and `..` are resolved;
    their resolved paths, which are what must then be read (a link swapped afterwards changes
    nothing). The pipeline's edge node holds the lab's secrets: a run may ingest only what
    `labctl run --file` uploaded, never any path an operator can type."""
    root = Path(folder).resolve()
    checked = []
    for given in paths:
        path = Path(given)
        real = path.resolve() if path.is_absolute() else None
        if real is None or root not in real.parents:
            raise OutsideUploads(
                f"{str(given)!r} is not in the upload folder {root}: a pipeline run ingests files from there only",
                hint="`labctl run --source file --file PATH` copies PATH there and names it in the run",
            )
        if not real.is_file():
            raise OutsideUploads(f"no such file in the upload folder: {given}",
                                 hint="uploads are deleted once a run ingested them: give the file again with --file")
        checked.append(real)
    return checked


def clean_uploads(folder: Path | str, *, older_than: float, now: float) -> list[str]:
    """Delete uploads left behind (a run that failed before ingesting them) older than
    `older_than` seconds; returns their names."""
    root = Path(folder)
    if not root.is_dir():
        return []
    deleted = []
    for entry in sorted(root.iterdir()):
        if entry.is_file() and not entry.is_symlink() and now - entry.stat().st_mtime > older_than:
            entry.unlink()
            deleted.append(entry.name)
    return deleted


@dataclass
class FileResult:
    path: str
    sha256: str
    state: str  # "ingested", "resumed" or "already-ingested"
    records: int = 0  # records read this run (after any resume point)
    written: int = 0
    unparsed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)
    batches: list[str] = field(default_factory=list)


def ingest_files(
    paths: Sequence[Path | str],
    fs: FileSystem,
    layout: LakeLayout = LakeLayout(),
    *,
    instance: str = DEFAULT_INSTANCE,
    timeline: str = DEFAULT_TIMELINE,
    include_noindex: bool = False,
    policy: IngestionPolicy | None = None,
    minimiser: Minimiser = DEFAULT_MINIMISER,
    batch_size: int = DEFAULT_BATCH_SIZE,
    force: bool = False,
    pseudonymiser: Pseudonymiser | None = None,
) -> list[FileResult]:
    """Ingest each file (JSON lines or a JSON array, gzip or not) into the raw zone.

    `force` ingests a file again even when its content was ingested before (duplicates!).
    Accounts erased from the lake stay out (`pseudonymiser` matches them; by default the lab's key).
    """
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise CollectError(f"no such file: {path}", hint="give files of Mastodon statuses (JSON lines or arrays)")
    policy = policy or IngestionPolicy.default(include_noindex=include_noindex)
    erased = load_erased(fs, layout, pseudonymiser)
    return [
        _ingest_one(path, fs, layout, instance=instance, timeline=timeline, policy=policy,
                    minimiser=minimiser, erased=erased, batch_size=batch_size, force=force)
        for path in files
    ]


def _ingest_one(
    path: Path,
    fs: FileSystem,
    layout: LakeLayout,
    *,
    instance: str,
    timeline: str,
    policy: IngestionPolicy,
    minimiser: Minimiser,
    erased: ErasedAccounts,
    batch_size: int,
    force: bool,
) -> FileResult:
    sha = check_file(path)  # a damaged gzip file stops here, before any batch is written
    state_dir = layout.file_ingest_dir(sha)
    store = CheckpointStore(fs, layout)
    checkpoint = store.load(state_dir)
    if checkpoint and checkpoint.complete and not force:
        log.info("%s: already ingested (sha256 %s); nothing to do", path, sha[:12])
        return FileResult(str(path), sha, "already-ingested")
    if force:
        checkpoint = None
    done = int(checkpoint.position or 0) if checkpoint else 0
    writer = BatchWriter(
        fs, layout, instance=instance, timeline=timeline, state_dir=state_dir, checkpoint=checkpoint,
        policy=policy, minimiser=minimiser, erased=erased, batch_size=batch_size,
        source={"kind": "file", "path": str(path), "name": path.name, "sha256": sha},
    )
    result = FileResult(str(path), sha, "resumed" if done else "ingested")
    for number, record in enumerate(iter_raw_records(path), start=1):
        if number <= done:
            continue
        result.records += 1
        if record.status is None:
            writer.add_unparsed(record.line, str(number))
        else:
            writer.add_status(record.status, str(number))
    writer.flush(complete=True)
    totals = writer.totals
    result.written, result.unparsed = totals.written, totals.unparsed
    result.skipped = dict(totals.skipped)
    result.redacted = dict(totals.redacted)
    result.batches = [m.data_path for m in totals.batches]
    log.info("%s: %d records, %d written (%d unparsed), skipped %s, %d batches",
             path, result.records, result.written, result.unparsed, result.skipped or "none", len(result.batches))
    return result
