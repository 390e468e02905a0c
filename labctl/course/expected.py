"""Expected values: the project's oracle (labctl/oracle/) on the same input, cached.

The oracle is the metric contract computed a second way, sharing no code with jobs/ or with
a student's scripts. Its document for an input (one file or several read together) is cached
under the course cache, keyed by the input's bytes and the oracle's own source, so a changed
oracle is never served stale.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from labctl.course.inputs import cache_dir

ORACLE_DIR = Path(__file__).resolve().parents[1] / "oracle"


def _digest(files: Sequence[Path], sources: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{len(files)}:{Path(path).name}:".encode())  # which files, in which order
        with open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:20]


def cached(kind: str, files: Sequence[Path], sources: list[Path], compute: Callable[[list[Path]], Any]) -> Any:
    """compute(files), kept in the course cache under the input's and the code's digest."""
    files = list(files)
    stored = cache_dir() / f"{kind}-{_digest(files, sources)}.json"
    if stored.exists():
        try:
            return json.loads(stored.read_text(encoding="utf-8"))
        except ValueError:
            pass  # a torn write from an interrupted check: compute again
    result = compute(files)
    tmp = stored.with_name(f".{os.getpid()}-{stored.name}")
    tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    tmp.replace(stored)
    return result


def document(files: Sequence[Path]) -> dict[str, Any]:
    """The oracle's metric document for the files of one input, read together."""
    from labctl import oracle

    return cached("oracle", files, sorted(ORACLE_DIR.glob("*.py")), oracle.compute)


def tags_by_language(files: Sequence[Path]) -> dict[str, dict[str, int]]:
    """What exercises 4 and 5 load: labctl/course/tables.py on the files of one input."""
    from labctl.course import tables

    return cached("tags", files, [Path(tables.__file__)], tables.tags_by_language)


def regions(doc: dict[str, Any]) -> dict[str, int]:
    """Statuses per region (docs/metrics.md, metric 12), as the oracle counts them."""
    return dict(doc["regions"])
