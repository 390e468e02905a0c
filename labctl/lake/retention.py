"""Retention of every zone: nothing the lake holds is kept forever.

- raw: whole collection days older than N days (`raw_retention_days`) are deleted;
- curated and quarantine: runs older than N days, the same setting (the curated metrics are
  what analysts compare over time; the quarantine holds raw lines, as the raw zone does);
- work: runs older than WORK_KEEP_DAYS: the jobs' output names accounts in clear, and only
  the run that wrote it reads it.
In the three run zones the newest run is always kept (the published one, or the one a
cleared task reads again). A run's age is the time in its id (`run-YYYYMMDDTHHMMSSZ`, from
its data interval); a run whose id has none is never deleted: deleting needs certainty.

Deciding is a pure function of names and today's date, so the DAG task, the CLI and the
tests share it; only `apply_retention` touches the filesystem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from labctl.lake.fs import FileSystem
from labctl.lake.layout import LakeLayout, partition_fields

# The one setting of retention: raw data is kept this many days, and HBase keeps the
# per-person cells derived from it as long (labctl/hbase/schema.py). It is the Airflow
# Variable below, read by the DAG's retention task and by `labctl deploy` (HBase TTL).
RETENTION_VARIABLE = "raw_retention_days"
DEFAULT_KEEP_DAYS = 30
SECONDS_PER_DAY = 24 * 3600
WORK_KEEP_DAYS = 1
RUN_ZONES = ("work", "curated", "quarantine")
_RUN_TIME = re.compile(r"^run-(\d{8})T\d{6}Z")


def run_zone_paths(layout: LakeLayout) -> dict[str, str]:
    return {"work": layout.work_zone, "curated": layout.curated_zone, "quarantine": layout.quarantine_zone}


def zone_keep_days(zone: str, keep_days: int) -> int:
    """How many days a zone keeps what it holds, for a raw retention of `keep_days`."""
    return WORK_KEEP_DAYS if zone == "work" else keep_days


def retention_text(zone: str, keep_days: int) -> str:
    """The rule of a zone, as `labctl lake` shows it."""
    if zone == "raw":
        return f"{keep_days} days ({RETENTION_VARIABLE})"
    if zone in RUN_ZONES:
        days = zone_keep_days(zone, keep_days)
        return f"{days} day{'s' if days != 1 else ''}, and the newest run"
    return "-"


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


def run_day(name: str) -> date | None:
    """The day of a run directory named by its data interval (`run-20260105T100000Z`)."""
    match = _RUN_TIME.match(name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        return None


def expired_runs(names: Iterable[str], today: date, keep_days: int) -> list[str]:
    """Runs `keep_days` or more days old, never the newest dated one, never an undated one."""
    dated = sorted((name for name in names if run_day(name) is not None), key=lambda name: name)
    return [name for name in dated[:-1] if (today - run_day(name)).days >= keep_days]


@dataclass
class RetentionResult:
    keep_days: int
    today: date
    expired: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    dry_run: bool = False


def apply_retention(
    fs: FileSystem, layout: LakeLayout, *, keep_days: int, today: date, dry_run: bool = False,
    zones: Iterable[str] = ("raw", *RUN_ZONES),
) -> RetentionResult:
    """The retention of `zones` (raw partitions, then runs); `expired` lists what is past it.
    On HDFS each zone's owner deletes in it: collector the raw zone, etl the runs."""
    zones = tuple(zones)
    partitions = raw_day_partitions(fs, layout) if "raw" in zones else []
    result = RetentionResult(keep_days=keep_days, today=today, dry_run=dry_run)
    result.unreadable = [path for path in partitions if partition_day(path) is None]
    result.expired = expired_partitions(partitions, today, keep_days)
    for zone, root in run_zone_paths(layout).items():
        if zone not in zones:
            continue
        names = [entry.name for entry in fs.list_dir(root) if entry.is_dir]
        result.unreadable += [f"{root}/{name}" for name in names if run_day(name) is None]
        result.expired += [f"{root}/{name}" for name in expired_runs(names, today, zone_keep_days(zone, keep_days))]
    if not dry_run:
        for path in result.expired:
            if fs.delete(path, recursive=True):
                result.deleted.append(path)
    return result
