"""Erasure (GDPR Art. 17): an account's data out of the lake, deleted statuses purged.

`forget` takes a handle (`user@host`) and leaves nothing of the account in the raw zone:
- records it authored, and boosts of its statuses, are removed;
- records of other people that refer to it are kept but redacted (redact.py);
- a line that is not a JSON object (kept byte for byte at ingestion) is removed when it
  names the handle or a profile URL of the account;
- derived runs (work, curated, quarantine) that still name it, by handle, profile URL or
  pseudonym, are deleted: the pipeline recomputes them from the raw zone, which is now clean.
  Malformed lines are searched decoded (the quarantine and the jobs' output keep them base64);
- files waiting in the edge node's upload folder that name it are deleted;
- its rows in HBase go through the `hbase_forget` callable (given the pseudonym, and the
  pattern of its handle and profile URLs for the URL rows that name it).
`purge_statuses` removes statuses deleted at the source, and boosts of them.

This module is the orchestration; each part has a module of its own in labctl/governance/:
- handles.py: who is erased (`canonical_handle`, `account_handle`, `Needles`), `ErasureError`;
- redact.py: someone else's record with every reference to the account taken out;
- rewrites.py: the raw batches an operation changes, with their new lines and manifests;
- journal.py: the crash-safe replacement (stage, journal, roll forward) and `recover`;
- audit.py: `ErasureReport` and the audit log under `_state/audit/erasures/`, by pseudonym;
- residue.py: which files still name the account;
- erased.py: the list of erased accounts (`_state/erased/`) that ingestion consults
  (`ErasedAccounts`) so that a later collection does not bring the account back.
The names callers use are importable from here as well as from their own module.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from labctl.governance import journal
from labctl.governance.audit import ErasureReport, new_report, read_audit_log
from labctl.governance.erased import mark_erased
from labctl.governance.handles import ERASED, ErasureError, Needles, account_handle, canonical_handle, profile_texts
from labctl.governance.journal import recover
from labctl.governance.pseudonym import Pseudonymiser
from labctl.governance.redact import References, as_id, author, levels, mentions, redact_record
from labctl.governance.residue import files_naming, run_dir
from labctl.governance.rewrites import Decision, RawBatch, plan_rewrites, raw_batches
from labctl.lake.batches import decode_lines
from labctl.lake.fs import FileSystem
from labctl.lake.lines import dumps_line, parse_object
from labctl.lake.layout import LakeLayout, partition_value

__all__ = [
    "ERASED",
    "ErasureError",
    "ErasureReport",
    "HBaseForget",
    "Needles",
    "account_handle",
    "canonical_handle",
    "forget",
    "purge_statuses",
    "read_audit_log",
    "recover",
]


# --- forget ------------------------------------------------------------------------------

def _find_references(fs: FileSystem, batches: Iterable[RawBatch], handle: str) -> dict[str, References]:
    refs: dict[str, References] = {}
    for batch in batches:
        found = refs.setdefault(batch.instance, References())
        for line in decode_lines(fs.read_bytes(batch.data_path)):
            record = parse_object(line)
            for status in levels(record) if record else ():
                account = status.get("account")
                if isinstance(account, dict) and author(status) == handle:
                    found.account_ids.update(filter(None, [as_id(account.get("id"))]))
                    found.status_ids.update(filter(None, [as_id(status.get("id"))]))
                    if isinstance(account.get("url"), str):
                        found.urls.add(account["url"])
                for mention in mentions(status):
                    if isinstance(mention, dict) and account_handle(mention.get("acct"), mention.get("url")) == handle:
                        found.account_ids.update(filter(None, [as_id(mention.get("id"))]))
                        if isinstance(mention.get("url"), str):
                            found.urls.add(mention["url"])
    return refs


# What deletes the account's rows in HBase: given its pseudonym and `Needles.pattern` (its
# handle and profile URLs, for the URL rows naming it), returns how many rows went.
HBaseForget = Callable[[str, str], int]


def forget(
    fs: FileSystem,
    layout: LakeLayout,
    handle: str,
    *,
    hbase_forget: HBaseForget | None,
    pseudonymiser: Pseudonymiser,
    audit_actor: str,
    reason: str,
    delete_derived: bool = True,
    dry_run: bool = False,
    now: datetime | None = None,
    uploads: FileSystem | None = None,
) -> ErasureReport:
    """Erase an account from the lake (and from HBase through `hbase_forget`).

    `uploads` is the edge node's upload folder (files given to `labctl run --file` that a run
    has not ingested yet): a file there naming the account is deleted."""
    handle = canonical_handle(handle)
    pseudonym = pseudonymiser.pseudonym(handle)
    recovered = [] if dry_run else recover(fs, layout)
    batches = raw_batches(fs, layout)
    refs = _find_references(fs, batches, handle)
    urls = {url for found in refs.values() for url in found.urls}
    needles = Needles(profile_texts(handle, urls))
    report = new_report("forget", now, audit_actor, needles.mask(reason), {"pseudonym": pseudonym})
    report.recovered, report.dry_run, report.batches_scanned = recovered, dry_run, len(batches)

    def decide(batch: RawBatch, line: bytes, record: dict[str, Any] | None) -> Decision:
        if record is None:
            return ("unparsed_removed", None) if needles.found_in(line) else (None, None)
        authors = [author(status) for status in levels(record)]
        if authors[0] == handle:
            return "authored_removed", None
        if handle in authors[1:]:
            return "boosts_removed", None
        redacted = redact_record(record, handle, refs.get(batch.instance, References()), needles)
        return ("redacted", dumps_line(redacted)) if redacted != record else (None, None)

    rewrites = plan_rewrites(fs, batches, decide)
    report.batches_rewritten = len(rewrites)
    report.counts = dict(sorted(sum((r.counts for r in rewrites), Counter()).items()))
    derived = sorted({
        run_dir(zone, path)
        for zone in (layout.work_zone, layout.curated_zone, layout.quarantine_zone)
        for path in files_naming(fs, zone, Needles([*needles.texts, pseudonym]))
    })
    report.derived_runs_deleted = derived if delete_derived else []
    stale_uploads = files_naming(uploads, "/", needles) if uploads is not None else []
    report.uploads_deleted = len(stale_uploads)
    if dry_run:
        report.hbase = "skipped" if hbase_forget is None else "not run (dry run)"
        return report
    report.hbase = "interrupted before HBase: run forget again"  # what a recovered audit says

    def finish() -> None:
        mark_erased(fs, layout, pseudonym)
        for path in stale_uploads:
            uploads.delete(path)
        if hbase_forget is None:
            report.hbase = "skipped"
        else:
            try:
                report.hbase_rows = int(hbase_forget(pseudonym, needles.pattern))
                report.hbase = "rows deleted"
            except Exception as exc:  # recorded in the audit; a rerun of forget retries HBase
                report.hbase = f"failed: {exc.__class__.__name__}: {needles.mask(str(exc))}"[:500]
        report.residue = _residue(fs, layout, needles) + [
            f"upload {path}" for path in (files_naming(uploads, "/", needles) if uploads is not None else [])]
        report.problems = [needles.mask(problem) for problem in report.problems]
        report.residue = [needles.mask(path) for path in report.residue]

    journal.apply(fs, layout, report, rewrites, report.derived_runs_deleted, finish)
    return report


def _residue(fs: FileSystem, layout: LakeLayout, needles: Needles) -> list[str]:
    """Files anywhere in the lake that still name the account (the audit and erased lists
    hold its pseudonym on purpose, not its handle, and are searched like the rest)."""
    return files_naming(fs, layout.root, needles)


# --- purge --------------------------------------------------------------------------------

def purge_statuses(
    fs: FileSystem,
    layout: LakeLayout,
    status_ids: Iterable[str | int],
    *,
    instance: str | None = None,
    audit_actor: str = "labctl",
    reason: str = "deleted at the source",
    dry_run: bool = False,
    now: datetime | None = None,
) -> ErasureReport:
    """Remove statuses deleted at the source (a 404 on re-check, a delete event), and boosts
    of them, from the raw zone. Ids are per instance: `instance` (a partition name) limits the
    purge to one. Replies to a deleted status stay, as on Mastodon."""
    ids = {value for value in (as_id(i) for i in status_ids) if value}
    if not ids:
        raise ErasureError("no status ids to purge", hint="give the ids of the deleted statuses")
    digest = hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()
    # The audit keeps a digest of the ids: enough to match a request, nothing to look up.
    report = new_report("purge", now, audit_actor, reason,
                        {"statuses": len(ids), "ids_sha256": digest, "instance": instance})
    report.hbase = "not applicable"
    report.recovered = [] if dry_run else recover(fs, layout)
    report.dry_run = dry_run
    wanted_instance = None if instance is None else partition_value(instance)
    batches = [b for b in raw_batches(fs, layout) if wanted_instance in (None, b.instance)]
    report.batches_scanned = len(batches)

    def decide(batch: RawBatch, line: bytes, record: dict[str, Any] | None) -> Decision:
        if record is None:
            return None, None
        found = [as_id(level.get("id")) in ids for level in levels(record)]
        if found[0]:
            return "statuses_removed", None
        return ("boosts_removed", None) if any(found[1:]) else (None, None)

    rewrites = plan_rewrites(fs, batches, decide)
    report.batches_rewritten = len(rewrites)
    report.counts = dict(sorted(sum((r.counts for r in rewrites), Counter()).items()))
    if not dry_run:
        journal.apply(fs, layout, report, rewrites, [])
    return report
