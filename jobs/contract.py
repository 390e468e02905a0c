"""The metric contract's rules for one Mastodon Status: validity, handles, links, times.

Pure functions over decoded JSON; no I/O. docs/metrics.md states the same rules for users.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from html import unescape
from typing import Any, NamedTuple
from urllib.parse import urlsplit

MALFORMED_REASONS = (
    "invalid-utf8",
    "invalid-json",
    "not-an-object",
    "missing-id",
    "missing-account",
    "account-not-an-object",
    "reblog-not-an-object",
    "reblog-missing-id",
    "reblog-missing-account",
    "reblog-account-not-an-object",
)


class Malformed(NamedTuple):
    reason: str  # one of MALFORMED_REASONS


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Python's json accepts NaN and Infinity; the contract means JSON as RFC 8259 spells it.
_decode = json.JSONDecoder(parse_constant=_reject_constant).decode


def parse_record(line: bytes) -> dict[str, Any] | Malformed:
    """The status object on a raw line, or why the line is malformed."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return Malformed("invalid-utf8")
    try:
        record = _decode(text)
    except (ValueError, RecursionError):  # also NaN (above) and nesting beyond the parser's limit
        return Malformed("invalid-json")
    problem = record_problem(record)
    return Malformed(problem) if problem else record


def record_problem(record: Any) -> str | None:
    """Why a decoded line is not a status, None when it is one (its boosted originals included)."""
    problem = _status_problem(record)
    inner = None if problem else record.get("reblog")
    while problem is None and inner is not None:
        problem = _status_problem(inner)
        problem = problem and f"reblog-{problem}"
        inner = None if problem else inner.get("reblog")
    return problem


def _status_problem(status: Any) -> str | None:
    if not isinstance(status, dict):
        return "not-an-object"
    status_id = status.get("id")
    if isinstance(status_id, bool) or not isinstance(status_id, (str, int)) or status_id == "":
        return "missing-id"
    if status.get("account") is None:
        return "missing-account"
    if not isinstance(status["account"], dict):
        return "account-not-an-object"
    return None


def statuses_in(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record, then the original it boosts: an original is a status in its own right."""
    found = [record]
    while found[-1].get("reblog") is not None:
        found.append(found[-1]["reblog"])
    return found


def is_boost(status: dict[str, Any]) -> bool:
    return status.get("reblog") is not None


def identity(status: dict[str, Any]) -> str:
    """What de-duplicates statuses: the uri, else the id."""
    uri = status.get("uri")
    return uri if isinstance(uri, str) and uri else str(status["id"])


# Every count the contract reads or sums fits a signed 64-bit integer (docs/metrics.md,
# "Bounds"): HBase row keys and Java readers hold no more, and a 400-digit count must not
# turn a division into an OverflowError.
MAX_COUNT = (1 << 63) - 1
_MAX_COUNT_DIGITS = len(str(MAX_COUNT))


def clamp(n: int) -> int:
    """An integer brought into 0..MAX_COUNT: negative counts as 0, too large as MAX_COUNT."""
    return 0 if n < 0 else MAX_COUNT if n > MAX_COUNT else n


def numeric_id(status: dict[str, Any]) -> int:
    """The id as a number for tie-breaking, clamped like a count; -1 when it is not a decimal number."""
    value = status.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return clamp(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        digits = value.lstrip("0")
        # int() refuses more than 4,300 digits (a guard against quadratic parsing): a longer
        # id is above the bound anyway, so its value is never converted.
        return MAX_COUNT if len(digits) > _MAX_COUNT_DIGITS else clamp(int(digits or "0"))
    return -1


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def count(value: Any) -> int:
    """A count field: an integer clamped to 0..MAX_COUNT, anything else (null, string, float) as 0."""
    return clamp(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def handle(acct: Any, url: Any) -> str:
    """The contract's handle; the one place handles are formatted (pseudonymisation hooks here).

    `acct` when it contains '@', otherwise `acct@<host of url>`, lower-cased. A local acct
    without a usable url stays bare; an empty acct gives "".
    """
    return _handle(text(acct), text(url))


@functools.lru_cache(maxsize=1 << 16)  # authors and mentions repeat: skip urlsplit for them
def _handle(acct: str, url: str) -> str:
    if not acct or "@" in acct:
        return acct.lower()
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unbalanced '[' in the netloc
        host = ""
    return f"{acct}@{host}".lower() if host else acct.lower()


def author(status: dict[str, Any]) -> str:
    account = status["account"]
    return handle(account.get("acct"), account.get("url"))


UNKNOWN_INSTANCE = "unknown"
GENERIC_REGION = "generic"


def instance(handle: str) -> str:
    """The part of a handle after its last '@'; "unknown" when there is none or it is empty."""
    _, at, host = handle.rpartition("@")
    return host if at and host else UNKNOWN_INSTANCE


def region(instance: str) -> str:
    """The instance's top-level label when it is two ASCII letters (a country-code TLD), else "generic".

    One trailing dot is dropped (a fully qualified name); a name of one label (`localhost`,
    `unknown`) has no top-level domain. IDN country codes (`xn--p1ai`, `рф`), numeric labels
    (an IPv4 address), a port left in an acct: all generic.
    """
    name = instance.removesuffix(".")
    dot = name.rfind(".")
    label = name[dot + 1 :]
    if dot < 0 or len(label) != 2 or not (label.isascii() and label.isalpha()):
        return GENERIC_REGION
    return label.lower()


def utc_timestamp(value: Any) -> str:
    """An ISO 8601 time as a sortable UTC string ("" when absent or unreadable).

    Naive times are taken as UTC. Comparing these strings compares the instants, whatever
    offset or precision the source used.
    """
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")
    except (ValueError, OverflowError):
        return ""


def month(value: Any) -> str:
    """YYYY-MM (UTC) of an ISO 8601 time, "" when absent or unreadable."""
    return utc_timestamp(value)[:7]


def language(status: dict[str, Any]) -> str:
    return text(status.get("language")) or "und"


def _items(status: dict[str, Any], field: str) -> list[Any]:
    value = status.get(field)
    return value if isinstance(value, list) else []


def media_types(status: dict[str, Any]) -> list[str]:
    """One type per attachment (repeats kept: attachments are counted per type)."""
    return [
        (text(item.get("type")) if isinstance(item, dict) else "") or "unknown"
        for item in _items(status, "media_attachments")
    ]


def _distinct(values: list[str]) -> list[str]:
    return sorted({value for value in values if value})


def tags(status: dict[str, Any]) -> list[str]:
    return _distinct([text(t.get("name")).lower() for t in _items(status, "tags") if isinstance(t, dict)])


def mentions(status: dict[str, Any]) -> list[str]:
    return _distinct(
        [handle(m.get("acct"), m.get("url")) for m in _items(status, "mentions") if isinstance(m, dict)]
    )


def emojis(status: dict[str, Any]) -> list[str]:
    return _distinct([text(e.get("shortcode")) for e in _items(status, "emojis") if isinstance(e, dict)])


# Mastodon serves sanitised HTML (no scripts or CDATA), so a start-tag pattern finds the
# same anchors as an HTML parser at a fraction of the cost. Quoted attribute values may
# hold '>'; entities in values are decoded as a parser would; comments are skipped.
# Each character is read a bounded number of times: the rest of a tag is matched
# possessively (no backtracking) and the first tag left open ends the scan, as the end of
# a document does in an HTML parser. Retrying from every later "<a" instead made a content
# of "<a " repeated cost time quadratic in its length (issue 16: 48 KB took 22 s).
MAX_CONTENT_SCANNED = 100_000  # characters of `content` searched for links (docs/metrics.md)
_ANCHOR_START = re.compile(r"<a(?=[\s/>])", re.IGNORECASE)
_TAG_REST = re.compile(r"""((?:[^>"']++|"[^"]*+"|'[^']*+')*+)>""")
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_EXCLUDED_CLASSES = {"mention", "hashtag"}


def anchors(content: str) -> Iterator[tuple[str, str]]:
    """(href, class) of every <a> start tag that has an href; browsers keep the first of repeated attributes."""
    if "<!--" in content:
        content = _COMMENT.sub("", content)
    position = 0
    while start := _ANCHOR_START.search(content, position):
        tag = _TAG_REST.match(content, start.end())
        if tag is None:  # open to the end: neither it nor anything after it is read
            return
        position = tag.end()
        attributes: dict[str, str] = {}
        for name, double, single, bare in _ATTRIBUTE.findall(tag.group(1)):
            attributes.setdefault(name.lower(), unescape(double or single or bare))
        if "href" in attributes:
            yield attributes["href"], attributes.get("class", "")


def external_links(content: Any) -> list[str]:
    """Distinct normalised external links of a status's HTML content (its first MAX_CONTENT_SCANNED characters), sorted."""
    content = text(content)[:MAX_CONTENT_SCANNED]
    if "<a" not in content and "<A" not in content:  # most statuses: nothing to scan
        return []
    links = (
        normalise_url(href)
        for href, classes in anchors(content)
        if _EXCLUDED_CLASSES.isdisjoint(classes.lower().split())
    )
    return _distinct([link for link in links if link])


def _split_url(href: str) -> tuple[str, str, str, str, str] | None:
    """(scheme, userinfo@, host, :port, rest) of an absolute http(s) URL, fragment removed."""
    scheme, sep, rest = href.strip().partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https"):
        return None
    rest = rest.partition("#")[0]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    netloc, rest = rest[:cut], rest[cut:]
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal: its colons are not a port
        host, bracket, port = hostport.partition("]")
        host += bracket
    else:
        host, colon, port = hostport.partition(":")
        port = colon + port
    host = host.lower().removeprefix("www.")
    return (scheme, userinfo + at, host, port, rest) if host else None


def normalise_url(href: str) -> str | None:
    """Scheme and host lower-cased, one leading "www." dropped, fragment dropped; None if not http(s)."""
    parts = _split_url(href)
    return None if parts is None else f"{parts[0]}://{''.join(parts[1:])}"


def domain(url: str) -> str:
    """The host of a URL normalised by `normalise_url` (no port, no user info)."""
    parts = _split_url(url)
    return parts[2] if parts else ""


class Observation(NamedTuple):
    """One sighting of an account on a status it authored; the greatest is the most recent.

    Field order is the comparison order: created_at, then numeric id, then (only for two
    copies of one status fetched at different times) the larger counts, so that the pick
    never depends on the order Hadoop delivers values in.
    """

    created_at: str  # utc_timestamp of the status
    status_id: int
    followers: int
    following: int
    statuses_count: int
    account_month: str  # YYYY-MM of the account's created_at, "" when unknown


def observation(status: dict[str, Any]) -> Observation:
    account = status["account"]
    return Observation(
        utc_timestamp(status.get("created_at")),
        numeric_id(status),
        count(account.get("followers_count")),
        count(account.get("following_count")),
        count(account.get("statuses_count")),
        month(account.get("created_at")),
    )
