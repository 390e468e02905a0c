"""Mastodon-shaped identifiers and timestamps.

Mastodon ids are "snowflakes": the creation time in milliseconds shifted left
by 16 bits, plus 16 low bits that keep ids made in the same millisecond apart.
So ids sort like created_at, which is what max_id/since_id paging relies on.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timezone

MS_PER_DAY = 86_400_000


def snowflake(ms: int, low: int) -> str:
    """The id Mastodon gives a record created at `ms` (epoch milliseconds)."""
    return str((ms << 16) | (low & 0xFFFF))


def snowflake_ms(status_id: str) -> int:
    """The creation time (epoch milliseconds) encoded in a snowflake id."""
    return int(status_id) >> 16


def iso_ms(ms: int) -> str:
    """`2025-11-07T09:41:02.123Z`: the datetime format of the Mastodon API."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def iso_day(ms: int) -> str:
    """`2025-11-07`: the date-only format of Account.last_status_at."""
    return time.strftime("%Y-%m-%d", time.gmtime(ms // 1000))


def midnight_ms(ms: int) -> int:
    """Midnight UTC of the day holding `ms`: Mastodon rounds Account.created_at down to it."""
    return ms - ms % MS_PER_DAY


def epoch_ms(moment: datetime | date) -> int:
    """Epoch milliseconds of a date (midnight UTC) or an aware datetime."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc)
    if moment.tzinfo is None:
        raise ValueError(f"datetime {moment.isoformat()} has no timezone; give one, e.g. Z")
    return int(moment.timestamp() * 1000)


def parse_instant(text: str) -> int:
    """Epoch milliseconds of an ISO 8601 instant such as `2026-01-31T18:00:00Z`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 datetime: {text!r} (expected e.g. 2026-01-31T18:00:00Z)") from None
    return epoch_ms(moment)


def id_path(record_id: str) -> str:
    """`000/023/634`: how Mastodon spreads a record's files over directories by id (9 digits at least)."""
    padded = record_id.zfill(max(9, -(-len(record_id) // 3) * 3))
    return "/".join(padded[i : i + 3] for i in range(0, len(padded), 3))
