"""The last step's output rows -> the contract's metric document (and the quarantine's records).

The rows are what jobs/aggregate.py writes, one per line, in any order and spread over any
number of part files:

    total<TAB>statuses<TAB>1234
    followers<TAB>alice@example.social<TAB>{"followers": ..., "following": ..., "statuses_count": ...}
    engagement<TAB>alice@example.social<TAB>{"statuses": ..., "interactions": ..., ...}
    growth<TAB>2024-05<TAB>17                  (new accounts; the cumulative count is added here)
    url|domain|language|media_type|tag|mention|emoji<TAB>name<TAB>n
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
}
MAPPED = {"followers": "followers", "engagement": "engagement", "growth": "user_growth", **COUNTED}


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
    }


def malformed_records(lines: Iterable[bytes]) -> Iterator[tuple[str, bytes]]:
    """(reason, raw line) of every malformed input record, for the lake's quarantine."""
    for kind, reason, value in _rows(lines):
        if kind == "malformed":
            yield reason, base64.b64decode(value)
