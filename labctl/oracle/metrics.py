"""Independent oracle of the metric contract (docs/metrics.md): the expected value of the end-to-end tests.

A plain, single-pass, in-memory reading of the contract, written for clarity
and sharing no code with the Hadoop jobs (jobs/) or anything else in the
project. Standard library only, so it runs anywhere:

    python -m labctl.oracle FILE... > expected.json

    from labctl.oracle import compute
    document = compute(["seed_data/statuses.jsonl.gz"])

Input files are JSON lines (one Status per line) or a JSON array of Statuses
(a page as the API returns it), either optionally gzip-compressed. `compute`
also accepts `bytes`, read as JSON-lines content, for tests.

Where the contract's text leaves room, this follows the choices written
down in docs/metrics.md, and these readings of its own:
- A JSON-lines file is split on b"\\n" only; a line holding nothing but
  whitespace is blank. A file whose content parses as one JSON array is an
  array file, each element a record.
- A record is valid when it is a JSON object whose `id` is a non-empty string
  or an integer and whose `account` is an object; NaN and Infinity are not
  JSON. A boost whose embedded `reblog` fails the same test is malformed;
  boosts of boosts are unwrapped level by level, each level a boost.
- The de-duplication key is `uri` when it is a non-empty string, else `id`.
  Fields other than the three counters come from the copy with the latest
  `edited_at` (the first copy read, among equals).
- Counters that are not integers count as 0; integer counters, sums of
  interactions and numeric ids are held within 0..2**63-1 (docs/metrics.md,
  "Bounds"). A numeric id is an integer or a string of the ten ASCII digits.
- Links are read from the first 100,000 characters of `content`, by
  Python's HTMLParser fed that text and never closed: a tag left open at the
  end is dropped with everything after it, and the parser reads linearly.
- An instance is what follows the last "@" of the author's handle
  ("unknown" without one); its region is its last dot-separated label, one
  trailing dot ignored, when that is two ASCII letters, else "generic" (a
  name of one label included).
- Times are compared as instants (no offset: UTC); a missing or unreadable
  `created_at` ranks lowest, as does a non-numeric id. Two observations that
  tie on both keep the larger (followers, following, statuses) counts.
- `engagement` lists accounts with at least one original status;
  `user_growth` leaves out accounts whose `created_at` cannot be read.
- A handle is lower-cased `acct` if it holds "@", else lower-cased
  `acct@host`, host being the host name (no port) of the account's or
  mention's `url`; without a usable url the acct stays bare.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Source = str | os.PathLike | bytes

_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


# -- reading -----------------------------------------------------------------------------------


def _records(source: Source) -> Iterator[Any]:
    """Every record of a source, parsed; `_MALFORMED` for what cannot be parsed."""
    if isinstance(source, bytes):
        yield from _parsed_lines(source.split(b"\n"))
        return
    path = Path(source)
    if _first_byte(path) == b"[":
        try:
            with _open(path) as stream:
                elements = _loads(stream.read().decode("utf-8"))
        except ValueError:
            elements = None
        if isinstance(elements, list):
            yield from elements
            return
    with _open(path) as lines:  # binary files iterate on b"\n" only
        yield from _parsed_lines(lines)


def _open(path: Path):
    with open(path, "rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _first_byte(path: Path) -> bytes:
    """The first byte that is not whitespace: `[` for an array file."""
    with _open(path) as stream:
        while chunk := stream.read(4096):
            stripped = chunk.lstrip()
            if stripped:
                return stripped[:1]
    return b""


def _parsed_lines(lines: Iterable[bytes]) -> Iterator[Any]:
    for line in lines:
        if not line.strip():
            continue
        try:
            yield _loads(line.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
            yield _MALFORMED


_MALFORMED = object()


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _loads(text: str) -> Any:
    """Strict JSON: Python's json would otherwise accept NaN and Infinity."""
    return json.loads(text, parse_constant=_not_json)


def _is_status(record: Any) -> bool:
    if not isinstance(record, dict) or not isinstance(record.get("account"), dict):
        return False
    status_id = record.get("id")
    if isinstance(status_id, bool):
        return False
    return isinstance(status_id, int) or (isinstance(status_id, str) and status_id != "")


def _is_valid(record: Any) -> bool:
    """A valid status, and so is every status it boosts (Mastodon never nests boosts, but a record might)."""
    if not _is_status(record):
        return False
    reblog = record.get("reblog")
    return reblog is None or _is_valid(reblog)


# -- small readings of one field -----------------------------------------------------------------


def handle(acct: Any, url: Any) -> str:
    """`acct` when it names a host, else `acct@<host of url>`; lower-cased."""
    acct = acct if isinstance(acct, str) else ""
    if "@" in acct:
        return acct.lower()
    try:
        host = urlsplit(url).hostname if isinstance(url, str) else None
    except ValueError:
        host = None
    return f"{acct}@{host}".lower() if host else acct.lower()


# The largest count the contract holds: a signed 64-bit integer's maximum.
_CEILING = 2**63 - 1
_CONTENT_READ = 100_000  # characters of a status's content searched for links


def _bounded(n: int) -> int:
    return min(max(n, 0), _CEILING)


def _count(value: Any) -> int:
    return _bounded(value) if isinstance(value, int) and not isinstance(value, bool) else 0


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _numeric_id(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return _bounded(value)
    if not isinstance(value, str) or value == "" or value.strip("0123456789") != "":
        return -1
    significant = value.lstrip("0") or "0"
    # Compared as text first: int() refuses strings of more than 4,300 digits.
    if len(significant) > len(str(_CEILING)):
        return _CEILING
    return _bounded(int(significant))


def _month(created_at: Any) -> str | None:
    moment = _instant(created_at)
    return moment.astimezone(timezone.utc).strftime("%Y-%m") if moment else None


def instance_of(who: str) -> str:
    """The instance of a handle: its part after the last "@", "unknown" without one."""
    if "@" not in who:
        return "unknown"
    return who.split("@")[-1] or "unknown"


def region_of(instance: str) -> str:
    """The two-letter top-level domain of an instance, lower-cased, or "generic"."""
    labels = (instance[:-1] if instance.endswith(".") else instance).split(".")
    top = labels[-1]
    if len(labels) > 1 and len(top) == 2 and all(c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" for c in top):
        return top.lower()
    return "generic"


def _dedup_key(status: dict) -> str:
    uri = status.get("uri")
    return uri if isinstance(uri, str) and uri else str(status["id"])


def _language(status: dict) -> str:
    language = status.get("language")
    return language if isinstance(language, str) and language else "und"


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


# -- links ------------------------------------------------------------------------------------


class _Anchors(HTMLParser):
    """Collects (href, class) of every <a> element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[str | None, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = next((value for name, value in attrs if name == "href"), None)
            css = next((value for name, value in attrs if name == "class"), None)
            self.anchors.append((href, css or ""))


def normalize_url(href: str) -> tuple[str, str] | None:
    """(url, domain) of an http(s) link: scheme and host lower-cased, one leading www. dropped,
    the fragment dropped, everything else kept as written. The domain is the host without port."""
    scheme, separator, rest = href.strip().partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in ("http", "https"):
        return None
    rest = rest.partition("#")[0]
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    userinfo, at, hostport = authority.rpartition("@")
    hostport = hostport.lower()
    if hostport.startswith("www."):
        hostport = hostport[4:]
    host = hostport.rpartition(":")[0] if ":" in hostport and not hostport.endswith("]") else hostport
    if not host:
        return None
    return f"{scheme}://{userinfo}{at}{hostport}{tail}", host


def external_links(content: Any) -> list[tuple[str, str]]:
    """(url, domain) of each external link in status HTML: <a href> not classed mention or hashtag."""
    if not isinstance(content, str):
        return []
    content = content[:_CONTENT_READ]
    if "<a" not in content.lower():
        return []
    parser = _Anchors()
    # No close(): what is still open at the end (a tag without its ">") stays unread, as
    # at the end of an HTML document. Closing would re-read the rest once per "<" in it.
    parser.feed(content)
    links = []
    for href, css in parser.anchors:
        words = css.lower().split()
        if href is None or "mention" in words or "hashtag" in words:
            continue
        link = normalize_url(href)
        if link is not None:
            links.append(link)
    return links


# -- the computation ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Status:
    """One de-duplicated original status: what the metrics need of it (tuples hold distinct values)."""

    author: str
    edited: datetime | None
    replies: int
    reblogs: int
    favourites: int
    language: str
    has_media: bool
    media_types: tuple[str, ...]  # one per attachment
    urls: tuple[str, ...]
    domains: tuple[str, ...]
    tags: tuple[str, ...]
    mentions: tuple[str, ...]
    emojis: tuple[str, ...]


@dataclass
class _AccountSeen:
    """One observation of an account; the followers metric keeps the most recent."""

    order: tuple[datetime, int]  # (created_at, numeric id) of the status or boost
    counts: tuple[int, int, int]  # followers, following, statuses
    month: str | None  # YYYY-MM of the account's created_at


class _Tally:
    def __init__(self) -> None:
        self.statuses: dict[str, _Status] = {}
        self.boosts: set[str] = set()
        self.accounts: dict[str, _AccountSeen] = {}
        self.malformed = 0

    def add(self, record: Any) -> None:
        if record is _MALFORMED or not _is_valid(record):
            self.malformed += 1
            return
        while record.get("reblog") is not None:
            self.boosts.add(_dedup_key(record))
            self._saw_author(record)
            record = record["reblog"]
        self._add_original(record)
        self._saw_author(record)

    def _add_original(self, status: dict) -> None:
        key = _dedup_key(status)
        seen = self.statuses.get(key)
        if seen is None:
            self.statuses[key] = _read_status(status)
            return
        fresh = _read_status(status) if _edited_later(status, seen) else seen
        fresh.replies = max(seen.replies, _count(status.get("replies_count")))
        fresh.reblogs = max(seen.reblogs, _count(status.get("reblogs_count")))
        fresh.favourites = max(seen.favourites, _count(status.get("favourites_count")))
        self.statuses[key] = fresh

    def _saw_author(self, status: dict) -> None:
        account = status["account"]
        who = handle(account.get("acct"), account.get("url"))
        observed = _AccountSeen(
            order=(_instant(status.get("created_at")) or _EARLIEST, _numeric_id(status.get("id"))),
            counts=(
                _count(account.get("followers_count")),
                _count(account.get("following_count")),
                _count(account.get("statuses_count")),
            ),
            month=_month(account.get("created_at")),
        )
        seen = self.accounts.get(who)
        if seen is None or (observed.order, observed.counts) > (seen.order, seen.counts):
            self.accounts[who] = observed


def _read_status(status: dict) -> _Status:
    account = status["account"]
    links = external_links(status.get("content"))
    attachments = _list(status.get("media_attachments"))
    return _Status(
        author=handle(account.get("acct"), account.get("url")),
        edited=_instant(status.get("edited_at")),
        replies=_count(status.get("replies_count")),
        reblogs=_count(status.get("reblogs_count")),
        favourites=_count(status.get("favourites_count")),
        language=_language(status),
        has_media=bool(attachments),
        media_types=tuple(_media_type(a) for a in attachments),
        urls=_distinct(url for url, _ in links),
        domains=_distinct(domain for _, domain in links),
        tags=_distinct(t["name"].lower() for t in _list(status.get("tags")) if _has_text(t, "name")),
        mentions=_distinct(
            handle(m["acct"], m.get("url")) for m in _list(status.get("mentions")) if _has_text(m, "acct")
        ),
        emojis=_distinct(e["shortcode"] for e in _list(status.get("emojis")) if _has_text(e, "shortcode")),
    )


def _edited_later(status: dict, seen: _Status) -> bool:
    """Whether this copy was edited after the one kept (and so should replace its fields)."""
    edited = _instant(status.get("edited_at"))
    return edited is not None and (seen.edited is None or edited > seen.edited)


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _has_text(item: Any, key: str) -> bool:
    """Whether `item` is an object whose `key` is a non-empty string (nameless tags etc. are ignored)."""
    return isinstance(item, dict) and isinstance(item.get(key), str) and item[key] != ""


def _media_type(attachment: Any) -> str:
    kind = attachment.get("type") if isinstance(attachment, dict) else None
    return kind if isinstance(kind, str) and kind else "unknown"


def _ranked(counts: Counter) -> dict[str, int]:
    """Count descending, then key ascending: the order of every top-N list."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _document(tally: _Tally) -> dict[str, Any]:
    by_followers = sorted(tally.accounts.items(), key=lambda item: (-item[1].counts[0], item[0]))
    followers = {
        who: {"followers": seen.counts[0], "following": seen.counts[1], "statuses_count": seen.counts[2]}
        for who, seen in by_followers
    }

    statuses_by: Counter = Counter()
    interactions_by: Counter = Counter()
    languages: Counter = Counter()
    media_types: Counter = Counter()
    urls: Counter = Counter()
    domains: Counter = Counter()
    tags: Counter = Counter()
    mentions: Counter = Counter()
    emojis: Counter = Counter()
    instances: Counter = Counter()
    regions: Counter = Counter()
    languages_in: dict[str, Counter] = {}
    # [statuses, interactions] per media group and per attachment type
    groups = {"with_media": [0, 0], "without_media": [0, 0]}
    by_type: dict[str, list[int]] = {}
    with_media = 0
    for status in tally.statuses.values():
        interactions = status.replies + status.reblogs + status.favourites
        statuses_by[status.author] += 1
        interactions_by[status.author] += interactions
        languages[status.language] += 1
        instance = instance_of(status.author)
        region = region_of(instance)
        instances[instance] += 1
        regions[region] += 1
        languages_in.setdefault(region, Counter())[status.language] += 1
        group = groups["with_media" if status.has_media else "without_media"]
        group[0] += 1
        group[1] += interactions
        for kind in set(status.media_types):
            tally_of_type = by_type.setdefault(kind, [0, 0])
            tally_of_type[0] += 1
            tally_of_type[1] += interactions
        media_types.update(status.media_types)
        with_media += 1 if status.has_media else 0
        urls.update(status.urls)
        domains.update(status.domains)
        tags.update(status.tags)
        mentions.update(status.mentions)
        emojis.update(status.emojis)

    capped = {who: min(total, _CEILING) for who, total in interactions_by.items()}
    engagement = {}
    for who in sorted(statuses_by, key=lambda who: (-capped[who], who)):
        n = statuses_by[who]
        interactions = capped[who]
        fans = followers[who]["followers"]
        engagement[who] = {
            "statuses": n,
            "interactions": interactions,
            "followers": fans,
            "avg_interactions": interactions / n,
            "engagement_rate": interactions / (n * max(fans, 1)),
        }

    new_by_month = Counter(seen.month for seen in tally.accounts.values() if seen.month is not None)
    user_growth = {}
    cumulative = 0
    for month in sorted(new_by_month):
        cumulative += new_by_month[month]
        user_growth[month] = {"new": new_by_month[month], "cumulative": cumulative}

    return {
        "totals": {
            "statuses": len(tally.statuses),
            "boosts": len(tally.boosts),
            "accounts": len(tally.accounts),
            "statuses_with_media": with_media,
            "malformed": tally.malformed,
        },
        "followers": followers,
        "engagement": engagement,
        "user_growth": user_growth,
        "urls": _ranked(urls),
        "domains": _ranked(domains),
        "languages": _ranked(languages),
        "media_types": _ranked(media_types),
        "tags": _ranked(tags),
        "mentions": _ranked(mentions),
        "emojis": _ranked(emojis),
        "instances": _ranked(instances),
        "regions": _ranked(regions),
        "language_by_region": {region: _ranked(languages_in[region]) for region in _ranked(regions)},
        "media_engagement": {
            "with_media": _engagement_of(*groups["with_media"]),
            "without_media": _engagement_of(*groups["without_media"]),
            "by_type": {
                kind: _engagement_of(*by_type[kind])
                for kind in sorted(by_type, key=lambda kind: (-by_type[kind][0], kind))
            },
        },
    }


def _engagement_of(statuses: int, interactions: int) -> dict[str, Any]:
    interactions = min(interactions, _CEILING)
    return {
        "statuses": statuses,
        "interactions": interactions,
        "avg_interactions": interactions / statuses if statuses else 0.0,
    }


def compute(sources: Iterable[Source]) -> dict[str, Any]:
    """The contract's JSON document for the records of all `sources` (paths, or bytes of JSON lines)."""
    if isinstance(sources, (str, bytes, os.PathLike)):
        raise TypeError("compute() takes a list of sources; wrap a single path or bytes in a list")
    tally = _Tally()
    for source in sources:
        for record in _records(source):
            tally.add(record)
    return _document(tally)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m labctl.oracle FILE...  (JSON lines or JSON arrays, .gz too)", file=sys.stderr)
        return 2
    missing = [path for path in argv if not Path(path).is_file()]
    if missing:
        print(f"oracle: no such file: {', '.join(missing)}", file=sys.stderr)
        return 1
    json.dump(compute(argv), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":  # python -m labctl.oracle.metrics
    sys.exit(main(sys.argv[1:]))
