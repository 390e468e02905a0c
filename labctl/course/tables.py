"""What exercises 4 and 5 load into HBase: the tags of each language, from raw statuses.

A question the lab's tables do not answer ("what does each language talk about?"), computed
here from the raw lines with the metric contract's rules (docs/metrics.md): de-duplicated
original statuses (by uri, else id; the copy with the latest `edited_at` gives the fields),
the language as in the `languages` metric (`und` when null, empty or missing), tag names
lower-cased, each counted once per status. It is the input of the students' loaders and the
grader's expectation alike; their code never computes it.
"""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

Files = str | os.PathLike | Iterable[str | os.PathLike]


def _strict(constant: str) -> Any:
    raise ValueError(constant)


def _valid(record: Any) -> bool:
    while True:
        if not isinstance(record, dict) or not isinstance(record.get("account"), dict):
            return False
        identifier = record.get("id")
        if isinstance(identifier, bool) or not (isinstance(identifier, int) or (isinstance(identifier, str) and identifier)):
            return False
        if record.get("reblog") is None:
            return True
        record = record["reblog"]


def _edited(status: dict) -> datetime | None:
    text = status.get("edited_at")
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def files_of(files: Files) -> list[Path]:
    """A file, a folder (its files, by name: the recording's three timelines) or several files."""
    if isinstance(files, (str, os.PathLike)):
        path = Path(files)
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_"))) if path.is_dir() else [path]
    return [found for item in files for found in files_of(item)]


def _lines(path: Path):
    with open(path, "rb") as probe:
        opener = gzip.open if probe.read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as lines:
        yield from lines


def originals(files: Files) -> dict[str, dict]:
    """Each distinct original status of files of raw lines read together, the latest edit
    kept (a status on two instances' timelines is one status: same uri)."""
    kept: dict[str, dict] = {}
    for path in files_of(files):
        for line in _lines(path):
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8"), parse_constant=_strict)
            except ValueError:
                continue
            if not _valid(record):
                continue
            while record.get("reblog") is not None:
                record = record["reblog"]
            uri = record.get("uri")
            key = uri if isinstance(uri, str) and uri else str(record["id"])
            seen = kept.get(key)
            if seen is None:
                kept[key] = record
            else:
                later, earlier = _edited(record), _edited(seen)
                if later is not None and (earlier is None or later > earlier):
                    kept[key] = record
    return kept


def tags_by_language(files: Files) -> dict[str, dict[str, int]]:
    """{language: {tag: statuses}}, languages in name order, tags by count then name."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for status in originals(files).values():
        language = status.get("language")
        language = language if isinstance(language, str) and language else "und"
        tags = status.get("tags") if isinstance(status.get("tags"), list) else []
        names = {tag["name"].lower() for tag in tags if isinstance(tag, dict) and isinstance(tag.get("name"), str) and tag["name"]}
        counts[language].update(names)
    return {
        language: dict(sorted(tags.items(), key=lambda item: (-item[1], item[0])))
        for language, tags in sorted(counts.items())
        if tags
    }


def top(counts: dict[str, dict[str, int]], language: str, limit: int = 10) -> list[list[Any]]:
    """The expected answer of a top-N query: [[tag, count], ...], count descending then tag."""
    ranked = sorted(counts.get(language, {}).items(), key=lambda item: (-item[1], item[0]))
    return [[tag, count] for tag, count in ranked[:limit]]
