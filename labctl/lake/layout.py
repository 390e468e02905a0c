"""Where everything lives in the data lake: pure functions from names to paths.

    <root>/raw/mastodon/instance=<host>/timeline=<name>/dt=YYYY-MM-DD/hour=HH/<batch>.jsonl.gz
    <root>/raw/mastodon/.../hour=HH/_manifests/<batch>.json
    <root>/work/<run-id>/<dataset>/...       (the jobs' outputs, handles in clear)
    <root>/curated/<run-id>/<dataset>/...    (what analysts read: pseudonymised)
    <root>/quarantine/<run-id>/<dataset>/...
    <root>/_state/checkpoints/<host>/<timeline>/<seq>.json
    <root>/_state/ingested/<sha256>/<seq>.json
    <root>/_tmp/...                      (writes in progress; never read by jobs)

Names that start with `_` or `.` are hidden from Hadoop's FileInputFormat, so the manifests,
state and temporary files stay out of any job reading the raw zone, whichever way it globs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath

DATA_SUFFIX = ".jsonl.gz"
MANIFEST_DIR = "_manifests"
MANIFEST_SUFFIX = ".json"

_UNSAFE = re.compile(r"[^\w.-]", re.UNICODE)
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$")


def partition_value(text: str) -> str:
    """A value usable as one path component on HDFS and in a glob.

    HDFS rejects ':' in names and globs give meaning to `*?[]{}`, so anything but letters,
    digits, '.', '-' and '_' becomes '_'. A leading '_' or '.' would hide the directory from
    Hadoop, so it is dropped.
    """
    safe = _UNSAFE.sub("_", text.strip().lower()).lstrip("._")
    return safe or "unknown"


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id) or ".." in run_id:
        raise ValueError(
            f"invalid run id {run_id!r}: use letters, digits and . _ : + - (no '/', at most 200 characters)"
        )
    return run_id.replace(":", "_")  # Airflow run ids carry ':'; HDFS names cannot


@dataclass(frozen=True)
class LakeLayout:
    root: str = "/lake"
    source: str = "mastodon"

    def __post_init__(self) -> None:
        if not self.root.startswith("/"):
            raise ValueError(f"lake root must be an absolute path, got {self.root!r}")
        object.__setattr__(self, "root", self.root.rstrip("/") or "/")

    def _join(self, *parts: str) -> str:
        return str(PurePosixPath(self.root, *parts))

    @property
    def raw_zone(self) -> str:
        return self._join("raw")

    @property
    def raw_source(self) -> str:
        return self._join("raw", self.source)

    @property
    def curated_zone(self) -> str:
        return self._join("curated")

    @property
    def work_zone(self) -> str:
        return self._join("work")

    @property
    def quarantine_zone(self) -> str:
        return self._join("quarantine")

    @property
    def state_zone(self) -> str:
        return self._join("_state")

    @property
    def tmp_zone(self) -> str:
        return self._join("_tmp")

    def raw_partition(self, instance: str, timeline: str, when: datetime) -> str:
        when = when.astimezone(timezone.utc)
        return self._join(
            "raw",
            self.source,
            f"instance={partition_value(instance)}",
            f"timeline={partition_value(timeline)}",
            f"dt={when:%Y-%m-%d}",
            f"hour={when:%H}",
        )

    @staticmethod
    def batch_file(partition: str, batch_id: str) -> str:
        return f"{partition}/{batch_id}{DATA_SUFFIX}"

    @staticmethod
    def manifest_file(partition: str, batch_id: str) -> str:
        return f"{partition}/{MANIFEST_DIR}/{batch_id}{MANIFEST_SUFFIX}"

    def raw_glob(self) -> str:
        """The one glob that reads every raw batch and nothing else (no manifests, no temp files)."""
        return f"{self.raw_source}/instance=*/timeline=*/dt=*/hour=*/*{DATA_SUFFIX}"

    def curated_run(self, run_id: str, dataset: str | None = None) -> str:
        base = self._join("curated", check_run_id(run_id))
        return f"{base}/{partition_value(dataset)}" if dataset else base

    def work_run(self, run_id: str, dataset: str | None = None) -> str:
        base = self._join("work", check_run_id(run_id))
        return f"{base}/{partition_value(dataset)}" if dataset else base

    def quarantine_run(self, run_id: str, dataset: str | None = None) -> str:
        base = self._join("quarantine", check_run_id(run_id))
        return f"{base}/{partition_value(dataset)}" if dataset else base

    def checkpoint_dir(self, instance: str, timeline: str) -> str:
        return self._join("_state", "checkpoints", partition_value(instance), partition_value(timeline))

    def file_ingest_dir(self, sha256: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self._join("_state", "ingested", sha256)

    def tmp_file(self, name: str) -> str:
        return self._join("_tmp", name)


def partition_fields(path: str) -> dict[str, str]:
    """The key=value components of a partition path, e.g. {'instance': ..., 'dt': ...}."""
    fields: dict[str, str] = {}
    for part in PurePosixPath(path).parts:
        key, sep, value = part.partition("=")
        if sep:
            fields[key] = value
    return fields
