"""The list of erased accounts, kept under `_state/erased/` by pseudonym, never by handle.

`forget` adds an account to it (`mark_erased`); ingestion (labctl/collect/) reads it through
`ErasedAccounts` so that a later collection does not bring the account back. This module is
all that ingestion needs of erasure: it never imports the rewrite journal, the audit log or
`forget` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from labctl.governance.handles import Needles, account_handle, profile_texts
from labctl.governance.pseudonym import Pseudonymiser, is_pseudonym
from labctl.governance.redact import References, as_id, author, levels, mentions, redact_record
from labctl.lake.fs import FileSystem, atomic_write
from labctl.lake.layout import LakeLayout

ERASED_REASON = "erased"  # the skip reason ingestion records for an erased account


def erased_dir(layout: LakeLayout) -> str:
    return f"{layout.state_zone}/erased"


def mark_erased(fs: FileSystem, layout: LakeLayout, pseudonym: str) -> None:
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
        if self.pseudonyms and any(self._erased(author(level)) for level in levels(status)):
            return ERASED_REASON
        return None

    def redact(self, status: dict[str, Any]) -> dict[str, Any]:
        """The status without mentions of, or replies to, erased accounts: a new object when
        something was redacted, the same object when nothing names an erased account."""
        if not self.pseudonyms:
            return status
        for level in list(levels(status)):
            for mention in mentions(level):
                if not isinstance(mention, dict):
                    continue
                handle = account_handle(mention.get("acct"), mention.get("url"))
                if self._erased(handle):
                    refs = References(account_ids={i for i in [as_id(mention.get("id"))] if i})
                    url = mention.get("url")
                    status = redact_record(status, handle, refs, Needles(profile_texts(handle, [url] if url else [])))
        return status
