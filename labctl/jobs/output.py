"""The last step's output rows -> the contract's metric document (and the quarantine's records).

The rows are what jobs/aggregate.py writes, one per line, in any order and spread over any
number of part files:

    total<TAB>statuses<TAB>1234
    followers<TAB>alice@example.social<TAB>{"followers": ..., "following": ..., "statuses_count": ...}
    engagement<TAB>alice@example.social<TAB>{"statuses": ..., "interactions": ..., ...}
    growth<TAB>2024-05<TAB>17                  (new accounts; the cumulative count is added here)
    url|domain|language|media_type|tag|mention|emoji|instance|region<TAB>name<TAB>n
    region_language<TAB>de/en<TAB>n            (the region, then the language: language_by_region)
    media_engagement<TAB>with_media<TAB>{"statuses": ..., "interactions": ..., "avg_interactions": ...}
    media_type_engagement<TAB>image<TAB>{...the same...}
    malformed<TAB>invalid-json<TAB>"<base64 of the raw line>"

The HBase loader reads the YARN output with the same function, so both paths agree.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from labctl.jobs.definition import load_script

TOTALS = ("statuses", "boosts", "accounts", "statuses_with_media", "malformed")
COUNTED = {
    "url": "urls",
    "domain": "domains",
    "language": "languages",
    "media_type": "media_types",
    "tag": "tags",
    "mention": "mentions",
    "emoji": "emojis",
    "instance": "instances",
    "region": "regions",
}
MAPPED = {
    "followers": "followers",
    "engagement": "engagement",
    "growth": "user_growth",
    "region_language": "language_by_region",
    "media_engagement": "media_engagement",
    "media_type_engagement": "media_by_type",
    **COUNTED,
}
MEDIA_GROUPS = ("with_media", "without_media")


class OutputError(ValueError):
    """The job output is not what the jobs write (wrong file, or two runs mixed)."""


def _rows(lines: Iterable[bytes]) -> Iterator[tuple[str, str, Any]]:
    wire = load_script("wire")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            key, value = wire.read(line)
        except ValueError as error:
            raise OutputError(f"output line {number}: {error}") from error
        if len(key) != 2:
            raise OutputError(f"output line {number}: expected 2 key fields, got {len(key)}: {line[:120]!r}")
        yield key[0], key[1], value


def ranked(items: dict[str, Any], count: Callable[[Any], int | float] = lambda n: n) -> dict[str, Any]:
    """Count descending, then key ascending: the order of every top-N list."""
    return dict(sorted(items.items(), key=lambda item: (-count(item[1]), item[0])))


def with_cumulative(new_per_month: dict[str, int]) -> dict[str, dict[str, int]]:
    growth, total = {}, 0
    for month in sorted(new_per_month):
        total += new_per_month[month]
        growth[month] = {"new": new_per_month[month], "cumulative": total}
    return growth


def no_statuses() -> dict[str, Any]:
    return {"statuses": 0, "interactions": 0, "avg_interactions": 0.0}


def nested_ranked(pairs: dict[str, int]) -> dict[str, dict[str, int]]:
    """{"<outer>/<inner>": n} -> {outer: {inner: n}}: outer keys by their total, inner ones by count."""
    split_pair = load_script("wire").split_pair
    nested: dict[str, dict[str, int]] = {}
    for name, n in pairs.items():
        outer, inner = split_pair(name)
        nested.setdefault(outer, {})[inner] = n
    return {outer: ranked(inner) for outer, inner in ranked(nested, lambda inner: sum(inner.values())).items()}


def media_engagement(groups: dict[str, Any], by_type: dict[str, Any]) -> dict[str, Any]:
    """Both groups always, even without a status in one; types by statuses."""
    return {
        **{group: groups.get(group, no_statuses()) for group in MEDIA_GROUPS},
        "by_type": ranked(by_type, lambda entry: entry["statuses"]),
    }


def metrics_from_output(lines: Iterable[bytes]) -> dict[str, Any]:
    """The metric document of the contract, from the rows of the last step (bytes lines)."""
    totals = dict.fromkeys(TOTALS, 0)
    found: dict[str, dict[str, Any]] = {section: {} for section in MAPPED.values()}
    seen: set[tuple[str, str]] = set()
    for kind, name, value in _rows(lines):
        if kind == "malformed":
            totals["malformed"] += 1
            continue
        if (kind, name) in seen:
            raise OutputError(f"{kind} {name!r} appears twice: is this the output of one run?")
        seen.add((kind, name))
        if kind == "total" and name in totals and name != "malformed":
            totals[name] = value
        elif kind == "media_engagement" and name not in MEDIA_GROUPS:
            raise OutputError(f"unexpected media engagement group {name!r}")
        elif kind in MAPPED:
            found[MAPPED[kind]][name] = value
        else:
            raise OutputError(f"unexpected output row {kind!r} {name!r}")
    return {
        "totals": totals,
        "followers": ranked(found["followers"], lambda account: account["followers"]),
        "engagement": ranked(found["engagement"], lambda account: account["interactions"]),
        "user_growth": with_cumulative(found["user_growth"]),
        **{section: ranked(found[section]) for section in COUNTED.values()},
        "language_by_region": nested_ranked(found["language_by_region"]),
        "media_engagement": media_engagement(found["media_engagement"], found["media_by_type"]),
    }


def malformed_records(lines: Iterable[bytes]) -> Iterator[tuple[str, bytes]]:
    """(reason, raw line) of every malformed input record, for the lake's quarantine."""
    for kind, reason, value in _rows(lines):
        if kind == "malformed":
            yield reason, base64.b64decode(value)
