"""Someone else's record with every reference to an erased account taken out.

Its entries leave `mentions`, a reply to it loses `in_reply_to_id`/`in_reply_to_account_id`,
the mention links in `content` and any text naming its handle or profile URL become
"[erased]". Removing those records instead would erase other people's posts and metrics.
Also the walk over a record's levels (the status, then the original it boosts) that
erasure and the erased-accounts list share.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from labctl.governance.handles import ERASED, Needles, account_handle

_MAX_DEPTH = 8  # boosts are never nested in Mastodon; the bound only stops a malformed record


def as_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value):
        return str(value)
    return None


def levels(record: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The record, then the original it boosts (and so on, for malformed nesting)."""
    current: Any = record
    for _ in range(_MAX_DEPTH):
        if not isinstance(current, dict):
            return
        yield current
        current = current.get("reblog")


def author(status: Mapping[str, Any]) -> str:
    account = status.get("account")
    return account_handle(account.get("acct"), account.get("url")) if isinstance(account, Mapping) else ""


def mentions(status: Mapping[str, Any]) -> list[Any]:
    value = status.get("mentions")
    return value if isinstance(value, list) else []


@dataclass
class References:
    """What identifies the account within one instance's data: ids are per instance."""

    account_ids: set[str] = field(default_factory=set)
    status_ids: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)


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
    found = status.get("mentions")
    if isinstance(found, list):
        status["mentions"] = [
            m for m in found
            if not (isinstance(m, dict) and account_handle(m.get("acct"), m.get("url")) == handle)
        ]
    if (as_id(status.get("in_reply_to_account_id")) in refs.account_ids
            or as_id(status.get("in_reply_to_id")) in refs.status_ids):
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
    for level in levels(copy):
        _redact_level(level, handle, refs, needles)
    return _mask_strings(copy, needles)
