"""Expected values: the project's oracle (labctl/oracle/) on the same input, cached.

The oracle is the metric contract computed a second way, sharing no code with jobs/ or with
a student's scripts. Its document for an input is cached under the course cache, keyed by
the input's bytes and the oracle's own source, so a changed oracle is never served stale.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labctl.course.inputs import cache_dir

ORACLE_DIR = Path(__file__).resolve().parents[1] / "oracle"


def _digest(path: Path, sources: list[Path]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:20]


def cached(kind: str, path: Path, sources: list[Path], compute: Callable[[Path], Any]) -> Any:
    """compute(path), kept in the course cache under the input's and the code's digest."""
    stored = cache_dir() / f"{kind}-{_digest(path, sources)}.json"
    if stored.exists():
        try:
            return json.loads(stored.read_text(encoding="utf-8"))
        except ValueError:
            pass  # a torn write from an interrupted check: compute again
    result = compute(path)
    tmp = stored.with_name(f".{os.getpid()}-{stored.name}")
    tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    tmp.replace(stored)
    return result


def document(path: Path) -> dict[str, Any]:
    """The oracle's metric document for one input file."""
    from labctl import oracle

    return cached("oracle", path, sorted(ORACLE_DIR.glob("*.py")), lambda source: oracle.compute([source]))


def tags_by_language(path: Path) -> dict[str, dict[str, int]]:
    """What exercises 4 and 5 load: labctl/course/tables.py on one input file."""
    from labctl.course import tables

    return cached("tags", path, [Path(tables.__file__)], tables.tags_by_language)


# -- regions (issue 14's definition) -------------------------------------------------------------


def region_of(handle: str) -> str:
    """The region of an author: the last DNS label of its instance when it is two ASCII
    letters (a country-code TLD), lower-cased; `generic` otherwise (no instance, `.org`,
    a numeric or IDN label)."""
    instance = handle.rpartition("@")[2] if "@" in handle else ""
    label = instance.rsplit(".", 1)[-1].lower()
    return label if len(label) == 2 and label.isascii() and label.isalpha() else "generic"


def ranked(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def regions(doc: dict[str, Any]) -> dict[str, int]:
    """Statuses per region: the oracle's `regions` once it has it, else from its per-author
    statuses (`engagement` lists every author of an original with its distinct statuses)."""
    if "regions" in doc:
        return dict(doc["regions"])
    counts: dict[str, int] = {}
    for handle, entry in doc["engagement"].items():
        region = region_of(handle)
        counts[region] = counts.get(region, 0) + entry["statuses"]
    return ranked(counts)
