"""Erasure (GDPR Art. 17): an account's data out of the lake, deleted statuses purged.

`forget` takes a handle (`user@host`) and leaves nothing of the account in the raw zone:
- records it authored, and boosts of its statuses, are removed;
- records of other people that refer to it are kept but redacted: its entries leave
  `mentions`, a reply to it loses `in_reply_to_id`/`in_reply_to_account_id`, the mention
  links in `content` and any text naming its handle or profile URL become "[erased]".
  Removing those records instead would erase other people's posts and metrics;
- a line that is not a JSON object (kept byte for byte at ingestion) is removed when it
  names the handle or a profile URL of the account;
- derived runs (work, curated, quarantine) that still name it, by handle, profile URL or
  pseudonym, are deleted: the pipeline recomputes them from the raw zone, which is now clean.
  Malformed lines are searched decoded (the quarantine and the jobs' output keep them base64);
- files waiting in the edge node's upload folder that name it are deleted;
- its rows in HBase go through the `hbase_forget` callable (given the pseudonym, and the
  pattern of its handle and profile URLs for the URL rows that name it).

Every rewritten batch is replaced by a crash-safe protocol: the new data file and manifest
are staged under `_tmp/`, a journal in the state area lists the replacements, then each
file is deleted and its staged copy renamed into place (WebHDFS cannot rename over a file).
An interrupted operation is rolled forward by the next `forget`/`purge` (`recover`).

The audit log holds one record per operation under `_state/audit/erasures/`, with the
account's pseudonym, never its handle (a handle in the reason, a problem or a path is masked too). The
account's pseudonym is also added to `_state/erased/`, the list that ingestion can consult
(`ErasedAccounts`) so that a later collection does not bring the account back.
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import hashlib
import html
import json
import posixpath
import re
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from labctl.core.errors import LabError
from labctl.governance.pseudonym import Pseudonymiser, is_pseudonym
from labctl.lake.batches import decode_lines, encode_lines
from labctl.lake.fs import FileSystem, atomic_write, walk_files
from labctl.lake.lines import dumps_line, parse_object
from labctl.lake.layout import DATA_SUFFIX, MANIFEST_DIR, LakeLayout, partition_fields, partition_value

ERASED = "[erased]"
ERASED_REASON = "erased"  # the skip reason ingestion records for an erased account
_MAX_DEPTH = 8  # boosts are never nested in Mastodon; the bound only stops a malformed record
_GZIP_MAGIC = b"\x1f\x8b"


class ErasureError(LabError):
    """An erasure cannot be carried out as asked."""


# --- Who is being erased -------------------------------------------------------------

_FULL_HANDLE = re.compile(r"^@?([^@\s/:]+)@([^@\s/:]+)$")


def canonical_handle(text: str) -> str:
    """`user@host`, lower-cased, from `user@host` or `@user@host`; a clear error otherwise."""
    match = _FULL_HANDLE.match(text.strip())
    if not match:
        raise ErasureError(
            f"{text!r} is not a full handle",
            hint="give the account as user@host, e.g. alice@mastodon.social (a bare name is ambiguous across instances)",
        )
    user, host = match.groups()
    return f"{user}@{host}".lower()


def account_handle(acct: Any, url: Any) -> str:
    """The metric contract's handle (docs/metrics.md): `acct` when it holds '@', else
    `acct@<host of url>`, lower-cased. jobs/contract.py is not importable from here; a test
    holds the two to the same answers."""
    return _handle(acct if isinstance(acct, str) else "", url if isinstance(url, str) else "")


@functools.lru_cache(maxsize=1 << 14)  # authors and mentions repeat across a lake
def _handle(acct: str, url: str) -> str:
    if not acct or "@" in acct:
        return acct.lower()
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unbalanced '[' in the netloc
        host = ""
    return f"{acct}@{host}".lower() if host else acct.lower()


def _as_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value):
        return str(value)
    return None


def _levels(record: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The record, then the original it boosts (and so on, for malformed nesting)."""
    current: Any = record
    for _ in range(_MAX_DEPTH):
        if not isinstance(current, dict):
            return
        yield current
        current = current.get("reblog")


def _author(status: Mapping[str, Any]) -> str:
    account = status.get("account")
    return account_handle(account.get("acct"), account.get("url")) if isinstance(account, Mapping) else ""


def _mentions(status: Mapping[str, Any]) -> list[Any]:
    value = status.get("mentions")
    return value if isinstance(value, list) else []


@dataclass
class References:
    """What identifies the account within one instance's data: ids are per instance."""

    account_ids: set[str] = field(default_factory=set)
    status_ids: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)


class Needles:
    """The account's handle and profile URLs as text, matched whole and in any case.

    `user@host` must not match inside `user@host.example` or `xuser@host`, hence the guards
    around each alternative. A URL containing a needle is replaced whole, so a link to the
    account's profile or posts does not turn into a link to some other page.
    """

    def __init__(self, texts: Iterable[str]):
        alternatives = sorted({t.lower() for t in texts if t}, key=len, reverse=True)
        if not alternatives:
            raise ValueError("no text to search for")
        core = "(?:" + "|".join(re.escape(t) for t in alternatives) + ")"
        bare = r"(?<![\w.-])" + core + r"(?![\w-]|\.\w)"
        url = r"https?://[^\s\"'<>]*?" + bare + r"[^\s\"'<>]*"
        self.texts = tuple(alternatives)
        # The handle and profile URLs as one regular expression that Java reads as Python does
        # (re.escape escapes punctuation only): HBase filters row keys with it.
        self.pattern = bare
        self._text = re.compile(f"{url}|{bare}", re.IGNORECASE)
        self._bytes = re.compile(f"{url}|{bare}".encode(), re.IGNORECASE)

    def found_in(self, data: bytes | str) -> bool:
        return bool((self._bytes if isinstance(data, bytes) else self._text).search(data))

    def mask(self, text: str) -> str:
        return self._text.sub(ERASED, text)


def _profile_texts(handle: str, urls: Iterable[str]) -> list[str]:
    """Profile URLs without their scheme: Mastodon's `host/@user` and ActivityPub's `host/users/user`."""
    user, host = handle.split("@", 1)
    texts = [handle, f"{host}/@{user}", f"{host}/users/{user}"]
    texts += [url.split("://", 1)[-1].rstrip("/") for url in urls if isinstance(url, str) and url]
    return texts


# --- Rewriting records ------------------------------------------------------------------

# A mention in Mastodon's HTML: `<span class="h-card"><a href=URL class="u-url mention">@<span>user</span></a></span>`;
# the wrapping span is optional (other servers omit it) and is removed with the link.
_ANCHOR = re.compile(
    r"(?P<card><span\b[^>]*\bh-card\b[^>]*>\s*)?<a\b(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>(?P<inner>.*?)</a>(?(card)\s*</span>)",
    re.IGNORECASE | re.DOTALL,
)


def _mask_strings(value: Any, needles: Needles) -> Any:
    if isinstance(value, str):
        return needles.mask(value)
    if isinstance(value, list):
        return [_mask_strings(item, needles) for item in value]
    if isinstance(value, dict):
        return {key: _mask_strings(item, needles) for key, item in value.items()}
    return value


def _redact_level(status: dict[str, Any], handle: str, refs: References, needles: Needles) -> None:
    mentions = status.get("mentions")
    if isinstance(mentions, list):
        status["mentions"] = [
            m for m in mentions
            if not (isinstance(m, dict) and account_handle(m.get("acct"), m.get("url")) == handle)
        ]
    if (_as_id(status.get("in_reply_to_account_id")) in refs.account_ids
            or _as_id(status.get("in_reply_to_id")) in refs.status_ids):
        for key in ("in_reply_to_id", "in_reply_to_account_id"):
            if key in status:
                status[key] = None
    content = status.get("content")
    if isinstance(content, str) and "<a" in content.lower():
        def unlink(match: re.Match[str]) -> str:
            return ERASED if needles.found_in(html.unescape(match.group("attrs"))) else match.group(0)

        status["content"] = _ANCHOR.sub(unlink, content)


def redact_record(record: dict[str, Any], handle: str, refs: References, needles: Needles) -> dict[str, Any]:
    """A copy of someone else's record with every reference to the account removed."""
    copy = json.loads(json.dumps(record))
    for level in _levels(copy):
        _redact_level(level, handle, refs, needles)
    return _mask_strings(copy, needles)


# --- The raw zone, batch by batch -------------------------------------------------------

@dataclass(frozen=True)
class RawBatch:
    data_path: str
    manifest_path: str
    instance: str


def raw_batches(fs: FileSystem, layout: LakeLayout) -> list[RawBatch]:
    batches = []
    for entry in walk_files(fs, layout.raw_source):
        if entry.name.endswith(DATA_SUFFIX) and f"/{MANIFEST_DIR}/" not in entry.path:
            partition = posixpath.dirname(entry.path)
            batch_id = entry.name[: -len(DATA_SUFFIX)]
            batches.append(RawBatch(entry.path, layout.manifest_file(partition, batch_id),
                                    partition_fields(partition).get("instance", "")))
    return batches


# What to do with one line: (counter name, new line). No counter: the line stays as it is;
# a counter and None: the line is removed; a counter and bytes: the line is replaced.
Decision = tuple[str | None, bytes | None]
Decide = Callable[[RawBatch, bytes, dict[str, Any] | None], Decision]


@dataclass
class Rewrite:
    batch: RawBatch
    lines: list[bytes]
    counts: Counter
    parsed_removed: int
    unparsed_removed: int


def plan_rewrites(fs: FileSystem, batches: Iterable[RawBatch], decide: Decide) -> list[Rewrite]:
    """The batches that change, with their new lines; nothing is written."""
    rewrites = []
    for batch in batches:
        counts: Counter = Counter()
        kept: list[bytes] = []
        parsed_removed = unparsed_removed = 0
        for line in decode_lines(fs.read_bytes(batch.data_path)):
            record = parse_object(line)
            counter, new_line = decide(batch, line, record)
            if counter is None:
                kept.append(line)
                continue
            counts[counter] += 1
            if new_line is not None:
                kept.append(new_line)
            elif record is None:
                unparsed_removed += 1
            else:
                parsed_removed += 1
        if counts:
            rewrites.append(Rewrite(batch, kept, counts, parsed_removed, unparsed_removed))
    return rewrites


def _manifest_dumps(manifest: Mapping[str, Any]) -> bytes:
    # The same form as labctl/lake/batches.py writes.
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def rewritten_manifest(manifest: Mapping[str, Any], rewrite: Rewrite, data: bytes, op: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest of a rewritten batch: counts and checksum of the new file, and the operation."""
    updated = dict(manifest)
    updated.update(
        count=len(rewrite.lines),
        parsed=int(manifest.get("parsed", 0)) - rewrite.parsed_removed,
        unparsed=int(manifest.get("unparsed", 0)) - rewrite.unparsed_removed,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
    )
    history = list(manifest.get("erasures") or [])
    history.append({**op, "lines_removed": rewrite.parsed_removed + rewrite.unparsed_removed,
                    "counts": dict(sorted(rewrite.counts.items()))})
    updated["erasures"] = history
    return updated


# --- Crash-safe replacement: stage, journal, roll forward ------------------------------

def journal_dir(layout: LakeLayout) -> str:
    return f"{layout.state_zone}/erasures/pending"


def audit_dir(layout: LakeLayout) -> str:
    return f"{layout.state_zone}/audit/erasures"


def erased_dir(layout: LakeLayout) -> str:
    return f"{layout.state_zone}/erased"


_STAGED_PREFIX = "erasure-"


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
        fs.write_bytes(staged_manifest, _manifest_dumps(rewritten_manifest(manifest, rewrite, data, op)))
        replacements.append({"staged": staged_manifest, "path": rewrite.batch.manifest_path})
    return replacements


def _write_audit(fs: FileSystem, layout: LakeLayout, record: Mapping[str, Any]) -> str:
    path = f"{audit_dir(layout)}/{record['id']}.json"
    if not fs.exists(path):
        atomic_write(fs, layout.tmp_zone, path, (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode())
    return path


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
        _write_audit(fs, layout, {**journal["audit"], "completed_by_recovery": True})
        fs.delete(entry.path)
        finished.append(journal["audit"]["id"])
    for entry in fs.list_dir(layout.tmp_zone):
        if entry.name.startswith(_STAGED_PREFIX) and not entry.is_dir:
            fs.delete(entry.path)
    return finished


# --- Reports and the audit log ----------------------------------------------------------

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


def read_audit_log(fs: FileSystem, layout: LakeLayout) -> list[dict[str, Any]]:
    """Every erasure and purge on record, oldest first (ids sort by time)."""
    records = []
    for entry in fs.list_dir(audit_dir(layout)):
        if not entry.is_dir and entry.name.endswith(".json"):
            records.append(json.loads(fs.read_bytes(entry.path)))
    return sorted(records, key=lambda r: r.get("id", ""))


def _new_report(kind: str, now: datetime | None, actor: str, reason: str, subject: dict[str, Any]) -> ErasureReport:
    if not actor.strip():
        raise ErasureError("an erasure needs the name of who carries it out (audit_actor)")
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    # Sortable to the microsecond, so the audit log lists two erasures of one second in order.
    op_id = f"{now:%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:8]}"
    return ErasureReport(id=op_id, kind=kind, at=now.isoformat(timespec="milliseconds"),
                         actor=actor.strip(), reason=reason.strip(), subject=subject)


def _apply(fs: FileSystem, layout: LakeLayout, report: ErasureReport, rewrites: list[Rewrite],
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
    report.audit_path = _write_audit(fs, layout, report.audit_record())
    fs.delete(journal)


# --- Residue: does anything still name the subject? -------------------------------------

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


def _run_dir(zone: str, path: str) -> str:
    return f"{zone}/{path[len(zone) + 1:].split('/', 1)[0]}"


# --- forget ------------------------------------------------------------------------------

def _find_references(fs: FileSystem, batches: Iterable[RawBatch], handle: str) -> dict[str, References]:
    refs: dict[str, References] = {}
    for batch in batches:
        found = refs.setdefault(batch.instance, References())
        for line in decode_lines(fs.read_bytes(batch.data_path)):
            record = parse_object(line)
            for status in _levels(record) if record else ():
                account = status.get("account")
                if isinstance(account, dict) and _author(status) == handle:
                    found.account_ids.update(filter(None, [_as_id(account.get("id"))]))
                    found.status_ids.update(filter(None, [_as_id(status.get("id"))]))
                    if isinstance(account.get("url"), str):
                        found.urls.add(account["url"])
                for mention in _mentions(status):
                    if isinstance(mention, dict) and account_handle(mention.get("acct"), mention.get("url")) == handle:
                        found.account_ids.update(filter(None, [_as_id(mention.get("id"))]))
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
    needles = Needles(_profile_texts(handle, urls))
    report = _new_report("forget", now, audit_actor, needles.mask(reason), {"pseudonym": pseudonym})
    report.recovered, report.dry_run, report.batches_scanned = recovered, dry_run, len(batches)

    def decide(batch: RawBatch, line: bytes, record: dict[str, Any] | None) -> Decision:
        if record is None:
            return ("unparsed_removed", None) if needles.found_in(line) else (None, None)
        authors = [_author(status) for status in _levels(record)]
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
        _run_dir(zone, path)
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
        _mark_erased(fs, layout, pseudonym)
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

    _apply(fs, layout, report, rewrites, report.derived_runs_deleted, finish)
    return report


def _residue(fs: FileSystem, layout: LakeLayout, needles: Needles) -> list[str]:
    """Files anywhere in the lake that still name the account (the audit and erased lists
    hold its pseudonym on purpose, not its handle, and are searched like the rest)."""
    return files_naming(fs, layout.root, needles)


def _mark_erased(fs: FileSystem, layout: LakeLayout, pseudonym: str) -> None:
    path = f"{erased_dir(layout)}/{pseudonym}"
    if not fs.exists(path):
        atomic_write(fs, layout.tmp_zone, path, b"")


def erased_pseudonyms(fs: FileSystem, layout: LakeLayout) -> frozenset[str]:
    return frozenset(e.name for e in fs.list_dir(erased_dir(layout)) if not e.is_dir and is_pseudonym(e.name))


class ErasedAccounts:
    """Keeps erased accounts out of later collections: the collector asks `skip_reason`
    for each status (as it asks the noindex policy) and passes the rest through `redact`."""

    def __init__(self, pseudonymiser: Pseudonymiser | None, pseudonyms: Iterable[str]):
        self.pseudonyms = frozenset(pseudonyms)
        if self.pseudonyms and pseudonymiser is None:
            raise ValueError("matching erased accounts needs the pseudonymiser")
        self._pseudonymiser = pseudonymiser
        self._known: dict[str, bool] = {}  # handle -> erased: authors repeat across a collection

    @classmethod
    def load(cls, fs: FileSystem, layout: LakeLayout, pseudonymiser: Pseudonymiser) -> ErasedAccounts:
        return cls(pseudonymiser, erased_pseudonyms(fs, layout))

    def _erased(self, handle: str) -> bool:
        if not handle or "@" not in handle:
            return False
        found = self._known.get(handle)
        if found is None:
            found = self._known[handle] = self._pseudonymiser.pseudonym(handle) in self.pseudonyms
        return found

    def skip_reason(self, status: Mapping[str, Any]) -> str | None:
        """"erased" when the status, or the original it boosts, is by an erased account."""
        if self.pseudonyms and any(self._erased(_author(level)) for level in _levels(status)):
            return ERASED_REASON
        return None

    def redact(self, status: dict[str, Any]) -> dict[str, Any]:
        """The status without mentions of, or replies to, erased accounts: a new object when
        something was redacted, the same object when nothing names an erased account."""
        if not self.pseudonyms:
            return status
        for level in list(_levels(status)):
            for mention in _mentions(level):
                if not isinstance(mention, dict):
                    continue
                handle = account_handle(mention.get("acct"), mention.get("url"))
                if self._erased(handle):
                    refs = References(account_ids={i for i in [_as_id(mention.get("id"))] if i})
                    url = mention.get("url")
                    status = redact_record(status, handle, refs, Needles(_profile_texts(handle, [url] if url else [])))
        return status


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
    ids = {value for value in (_as_id(i) for i in status_ids) if value}
    if not ids:
        raise ErasureError("no status ids to purge", hint="give the ids of the deleted statuses")
    digest = hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()
    # The audit keeps a digest of the ids: enough to match a request, nothing to look up.
    report = _new_report("purge", now, audit_actor, reason,
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
        found = [_as_id(level.get("id")) in ids for level in _levels(record)]
        if found[0]:
            return "statuses_removed", None
        return ("boosts_removed", None) if any(found[1:]) else (None, None)

    rewrites = plan_rewrites(fs, batches, decide)
    report.batches_rewritten = len(rewrites)
    report.counts = dict(sorted(sum((r.counts for r in rewrites), Counter()).items()))
    if not dry_run:
        _apply(fs, layout, report, rewrites, [])
    return report
