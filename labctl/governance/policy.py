"""The ingestion policy for the account flags `noindex`, `indexable` and `discoverable`.

An author who set `noindex` asked not to be indexed; by default their statuses, and boosts of
them, are not ingested at all. `indexable` (opt-in to full-text search) and `discoverable`
(opt-in to discovery features) can be enforced the same way, off by default because the
metrics are aggregates, not search or discovery. A flag that is absent or null is no choice
at all and never excludes a record.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

NOINDEX = "noindex"
NOT_INDEXABLE = "not-indexable"
NOT_DISCOVERABLE = "not-discoverable"
SKIP_REASONS = (NOINDEX, NOT_INDEXABLE, NOT_DISCOVERABLE)

# A boost of a boost does not exist in Mastodon; the bound only stops a malformed record.
_MAX_DEPTH = 8


@dataclass(frozen=True)
class IngestionPolicy:
    skip_noindex: bool = True
    skip_not_indexable: bool = False
    skip_not_discoverable: bool = False

    @classmethod
    def default(cls, *, include_noindex: bool = False) -> IngestionPolicy:
        """The documented default; `include_noindex` turns the noindex rule off for one collection."""
        return cls(skip_noindex=not include_noindex)

    def skip_reason(self, status: Mapping[str, Any]) -> str | None:
        """Why the record must not be ingested, or None to ingest it."""
        for account in _authors(status):
            if self.skip_noindex and account.get("noindex") is True:
                return NOINDEX
            if self.skip_not_indexable and account.get("indexable") is False:
                return NOT_INDEXABLE
            if self.skip_not_discoverable and account.get("discoverable") is False:
                return NOT_DISCOVERABLE
        return None

    def describe(self) -> dict[str, bool]:
        return asdict(self)


def _authors(status: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The author of the record, then the author of the original it boosts."""
    current: Any = status
    for _ in range(_MAX_DEPTH):
        if not isinstance(current, Mapping):
            return
        account = current.get("account")
        if isinstance(account, Mapping):
            yield account
        current = current.get("reblog")
