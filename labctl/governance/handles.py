"""Who is being erased: an account's handle as the metric contract forms it, and its handle
and profile URLs as text to find and mask (`Needles`).

The erasure modules (redact, erased, rewrites, journal, audit, residue, erasure) all build on
this one; `ErasureError` lives here, at their bottom, so that any of them may raise it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from labctl.core.errors import LabError

ERASED = "[erased]"


class ErasureError(LabError):
    """An erasure cannot be carried out as asked."""


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


def profile_texts(handle: str, urls: Iterable[str]) -> list[str]:
    """Profile URLs without their scheme: Mastodon's `host/@user` and ActivityPub's `host/users/user`."""
    user, host = handle.split("@", 1)
    texts = [handle, f"{host}/@{user}", f"{host}/users/{user}"]
    texts += [url.split("://", 1)[-1].rstrip("/") for url in urls if isinstance(url, str) and url]
    return texts
