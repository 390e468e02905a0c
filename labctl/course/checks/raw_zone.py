"""Exercise 1: the raw zone, landed by the student's land.py, read back and checked file by file.

What a landing must be comes from the lab's own rules, not from land.py: the partition from
labctl/lake/layout.py, the noindex rule from labctl/governance/policy.py, and every line of the
input accounted for.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from labctl.course import inputs
from labctl.course.checks import common
from labctl.course.grader import Check, Context, Outcome
from labctl.governance.policy import NOINDEX, IngestionPolicy
from labctl.lake.layout import LakeLayout, partition_value

_BATCH_ID = re.compile(r"^(?P<time>\d{8}T\d{6})Z-[0-9a-f]{12}$")
HINT_LAYOUT = "hint: compare with docs/data-lake.md and `labctl lake` on the lab (exercise 4 of the lab guide)"


@dataclass(frozen=True)
class Landing:
    instance: str  # empty: each file's own instance (Input.feeds)
    timeline: str
    collected_at: str
    batch_size: int


@dataclass
class Expected:
    lines: Counter
    written: int
    parsed: int
    unparsed: int
    skipped: int


def expected_landing(path: Path) -> Expected:
    policy = IngestionPolicy.default()
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    lines: Counter = Counter()
    parsed = unparsed = skipped = 0
    with opener(path, "rb") as source:
        for raw in source.read().split(b"\n"):
            line = raw.removesuffix(b"\r")
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict):
                if policy.skip_reason(record) == NOINDEX:
                    skipped += 1
                    continue
                parsed += 1
            else:
                unparsed += 1
            lines[line] += 1
    return Expected(lines, sum(lines.values()), parsed, unparsed, skipped)


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def inspect(lake: Path, landing: Landing, expected: Expected) -> list[str]:
    """Every way the lake differs from a correct landing (empty: correct)."""
    when = datetime.fromisoformat(landing.collected_at)
    partition = LakeLayout("/").raw_partition(landing.instance, landing.timeline, when).lstrip("/")
    problems: list[str] = []
    tmp = lake / "_tmp"
    if tmp.exists() and any(tmp.iterdir()):
        problems.append(f"_tmp/ still holds {sorted(p.name for p in tmp.iterdir())[:3]}: a batch is renamed into its partition once written")
    data: dict[str, Path] = {}
    manifests: dict[str, Path] = {}
    for path in sorted(p for p in lake.rglob("*") if p.is_file()):
        relative = path.relative_to(lake).as_posix()
        if relative.startswith("_tmp/"):
            continue
        folder, _, name = relative.rpartition("/")
        if folder == partition and name.endswith(".jsonl.gz"):
            data[name.removesuffix(".jsonl.gz")] = path
        elif folder == f"{partition}/_manifests" and name.endswith(".json"):
            manifests[name.removesuffix(".json")] = path
        else:
            problems.append(f"{relative}: not where a batch of this landing belongs (expected {partition}/<batch>.jsonl.gz "
                            "or its _manifests/<batch>.json)")
    if not data:
        return problems + [f"no batch in {partition}/"]
    for batch in sorted(set(data) ^ set(manifests)):
        problems.append(f"batch {batch}: " + ("no manifest" if batch in data else "a manifest without its data file"))
    stamp = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S")
    seen: Counter = Counter()
    skipped = 0
    nonempty = 0
    for batch in sorted(set(data) & set(manifests)):
        match = _BATCH_ID.match(batch)
        if not match:
            problems.append(f"batch id {batch!r} is not <collection time>Z-<12 hex digits>")
        elif match["time"] != stamp:
            problems.append(f"batch id {batch!r} does not start with the collection time in UTC ({stamp}Z)")
        raw = data[batch].read_bytes()
        try:
            lines = gzip.decompress(raw).split(b"\n")
        except (OSError, EOFError):
            problems.append(f"batch {batch}: the data file is not gzip")
            continue
        if lines and lines[-1] == b"":
            lines.pop()
        else:
            problems.append(f"batch {batch}: the data file does not end with a newline")
        seen.update(lines)
        nonempty += bool(lines)
        if len(lines) > landing.batch_size:
            problems.append(f"batch {batch}: {len(lines)} lines, more than the batch size {landing.batch_size}")
        try:
            manifest = json.loads(manifests[batch].read_text(encoding="utf-8"))
        except ValueError as error:
            problems.append(f"manifest of {batch}: not JSON ({error})")
            continue
        parsed = sum(_is_object(line) for line in lines)
        wanted = {
            "batch_id": batch,
            "instance": partition_value(landing.instance),
            "timeline": partition_value(landing.timeline),
            "data_path": f"{partition}/{batch}.jsonl.gz",
            "count": len(lines),
            "parsed": parsed,
            "unparsed": len(lines) - parsed,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "bytes": len(raw),
        }
        for key, value in wanted.items():
            if manifest.get(key) != value:
                problems.append(f"manifest of {batch}: {key} is {manifest.get(key)!r}, expected {value!r}")
        try:
            created = datetime.fromisoformat(str(manifest.get("created_at")))
            if created.tzinfo is None or created != when:
                problems.append(f"manifest of {batch}: created_at {manifest.get('created_at')!r} is not the collection time {landing.collected_at}")
        except ValueError:
            problems.append(f"manifest of {batch}: created_at {manifest.get('created_at')!r} is not an ISO 8601 time")
        skipped += manifest.get("skipped_noindex") if isinstance(manifest.get("skipped_noindex"), int) else 0
    if seen != expected.lines:
        missing, extra = expected.lines - seen, seen - expected.lines
        if missing:
            line = next(iter(missing))
            problems.append(f"{sum(missing.values())} line(s) of the input are missing from the batches, e.g. {line[:100]!r}")
        if extra:
            line = next(iter(extra))
            problems.append(f"{sum(extra.values())} line(s) in the batches should not be there, e.g. {line[:100]!r}")
    if skipped != expected.skipped:
        problems.append(f"the manifests count {skipped} statuses skipped for noindex, expected {expected.skipped}")
    wanted_batches = math.ceil(expected.written / landing.batch_size)
    if nonempty != wanted_batches:
        problems.append(f"{nonempty} batches hold lines; {expected.written} lines in batches of {landing.batch_size} make {wanted_batches}")
    return problems


def _land(context: Context, path: Path, lake: Path, landing: Landing, what: str) -> list[str] | Outcome:
    """land.py on one file; the problems of its landing, or the outcome of a run that failed."""
    argv = [sys.executable, "land.py", str(path), str(lake), "--instance", landing.instance, "--timeline",
            landing.timeline, "--collected-at", landing.collected_at, "--batch-size", str(landing.batch_size)]
    ran = common.run_program(context, argv, "land.py", what=what,
                             stderr_hint="hint: a collector reports on stdout or in its manifests; stderr is for errors")
    if isinstance(ran, Outcome):
        return ran
    return inspect(lake, landing, expected_landing(path))


def landing_check(name: str, description: str, data, landing: Landing, points: float, *, hidden: bool) -> Check:
    """Each file of the input landed by land.py in a lake of its own; `landing.instance` empty:
    each file as the timeline of its own instance (the recording's three), as the collector does."""

    def run(context: Context) -> Outcome:
        source = data()
        feeds = [(replace(landing, instance=instance) if not landing.instance else landing, path)
                 for instance, path in source.feeds()]
        problems: list[str] = []
        with tempfile.TemporaryDirectory(prefix="labctl-course-lake-") as tmp:
            for number, (feed, path) in enumerate(feeds):
                lake = Path(tmp) / f"lake-{number}"
                lake.mkdir()
                what = source.name if len(feeds) == 1 else f"{path.name} of {source.name}"
                found = _land(context, path, lake, feed, what)
                if isinstance(found, Outcome):
                    return found
                problems += [f"{feed.instance}: {problem}" if len(feeds) > 1 else problem for problem in found]
        instances = ", ".join(repr(feed.instance) for feed, _ in feeds)
        shown = (f"{'instances' if len(feeds) > 1 else 'instance'} {instances}, timeline {landing.timeline!r}, "
                 f"collected at {landing.collected_at}, batches of {landing.batch_size}")
        if not problems:
            return Outcome.passed(f"landed {source.name} as expected ({shown})")
        listed = "\n".join(f"  {problem}" for problem in problems[:5])
        more = f"\n  … and {len(problems) - 5} more" if len(problems) > 5 else ""
        return Outcome.failed(f"{len(problems)} problem(s) with the landing of {source.name} ({shown}):\n{listed}{more}\n{HINT_LAYOUT}",
                              "\n".join(problems))

    return Check(name, description, points, run, hidden=hidden)


CHECKS = [
    common.unit_tests("test_land.py", 2),
    landing_check("recording", "the recording landed in the raw zone, each timeline under its instance, every batch with its manifest",
                  inputs.recording, Landing("", "public", "2026-01-31T18:30:00+00:00", 5000), 4, hidden=False),
    landing_check("generated", "another generated set, another instance, timeline and time zone", inputs.generated,
                  Landing("Social.Example.ORG:8443", "tag:Fediverse", "2026-03-01T01:30:00+02:00", 700), 2, hidden=True),
    landing_check("edge-cases", "the edge cases in batches of 3", inputs.edge_cases,
                  Landing("edge.example", "local", "2026-02-02T09:59:59-03:00", 3), 2, hidden=True),
]
