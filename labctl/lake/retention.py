"""Retention of the raw zone: whole collection days older than N days are deleted.

Deciding is a pure function of partition names and today's date, so the DAG task, the CLI
and the tests share it; only `apply_retention` touches the filesystem.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from labctl.lake.fs import FileSystem
from labctl.lake.layout import LakeLayout, partition_fields

# The one setting of retention: raw data is kept this many days, and HBase keeps the
# per-person cells derived from it as long (labctl/hbase/schema.py). It is the Airflow
# Variable below, read by the DAG's retention task and by `labctl deploy` (HBase TTL).
RETENTION_VARIABLE = "raw_retention_days"
DEFAULT_KEEP_DAYS = 30
SECONDS_PER_DAY = 24 * 3600


def keep_days_setting(value: str | int | None) -> int:
    """The retention in days from the Variable's value (None: not set, the default)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_KEEP_DAYS
    try:
        days = int(value)
    except ValueError:
        raise ValueError(f"{RETENTION_VARIABLE} must be a whole number of days, got {value!r}") from None
    # HBase cannot express a TTL of zero: the per-person cells need at least one day.
    if days < 1:
        raise ValueError(f"{RETENTION_VARIABLE} must be at least 1 day, got {days}")
    return days


def partition_day(path: str) -> date | None:
    """The collection day of a `dt=YYYY-MM-DD` partition path, None when it has none or it is invalid."""
    value = partition_fields(path).get("dt")
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def expired_partitions(paths: Iterable[str], today: date, keep_days: int) -> list[str]:
    """Partitions collected `keep_days` or more days before today (data is kept N full days).

    A partition whose day cannot be read is never expired: deleting data needs certainty.
    """
    if keep_days < 0:
        raise ValueError(f"keep_days must be zero or more, got {keep_days}")
    expired = []
    for path in paths:
        day = partition_day(path)
        if day is not None and (today - day).days >= keep_days:
            expired.append(path)
    return sorted(expired)


def raw_day_partitions(fs: FileSystem, layout: LakeLayout) -> list[str]:
    """Every `.../dt=YYYY-MM-DD` directory of the raw zone."""
    days = []
    for instance in fs.list_dir(layout.raw_source):
        for timeline in fs.list_dir(instance.path) if instance.is_dir else ():
            days.extend(entry.path for entry in fs.list_dir(timeline.path)
                        if entry.is_dir and entry.name.startswith("dt="))
    return sorted(days)


@dataclass
class RetentionResult:
    keep_days: int
    today: date
    expired: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    dry_run: bool = False


def apply_retention(
    fs: FileSystem, layout: LakeLayout, *, keep_days: int, today: date, dry_run: bool = False
) -> RetentionResult:
    partitions = raw_day_partitions(fs, layout)
    result = RetentionResult(keep_days=keep_days, today=today, dry_run=dry_run)
    result.unreadable = [path for path in partitions if partition_day(path) is None]
    result.expired = expired_partitions(partitions, today, keep_days)
    if not dry_run:
        for path in result.expired:
            if fs.delete(path, recursive=True):
                result.deleted.append(path)
    return result
