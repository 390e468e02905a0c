"""Exercise 6: the seed's questions answered from the metric document, numbers with a tolerance.

The answer key below is the grader's own reading of the questions (analysis.py's QUESTIONS),
computed from the oracle's document of the same input; the questions of time (CALENDAR_QUESTIONS),
which the metrics cannot answer, from the input's statuses as labctl/course/tables.py reads
them. The instructor's solution in the exercise is a second, separate implementation (with
its own reader, statuses.py), and a test holds the two equal. The written interpretation is
read by the teacher (docs/teaching/, exercise 6), not graded here.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from labctl.course import expected, inputs, tables
from labctl.course.checks import common
from labctl.course.grader import Check, Context, Outcome
from labctl.course.run import tail

PERCENT_TOLERANCE = 0.01  # percentage points
RELATIVE_TOLERANCE = 1e-3
MIN_TYPE_STATUSES = 30  # analysis.py's thresholds, as its questions state them
MIN_STATUSES = 20


def _share(part: float, whole: float) -> float | None:
    return part * 100.0 / whole if whole else None


def answer_key(document: dict[str, Any]) -> dict[str, Any]:
    totals = document["totals"]
    statuses = totals["statuses"]
    followers = document["followers"]
    top_user = min(followers, key=list(followers).index) if followers else None
    engagement = list(document["engagement"].values())
    rates = sorted(entry["engagement_rate"] for entry in engagement if entry["statuses"] >= 5)
    median = None
    if rates:
        middle = len(rates) // 2
        median = rates[middle] if len(rates) % 2 else (rates[middle - 1] + rates[middle]) / 2
    months = sorted(document["user_growth"].items())
    best = max((entry["new"] for _, entry in months), default=0)
    peak = next((month for month, entry in months if entry["new"] == best), None)
    with_month = sum(entry["new"] for _, entry in months)
    languages = sorted(document["languages"].values(), reverse=True)
    running, fewest = 0, 0
    while fewest < len(languages) and running < 0.9 * statuses:
        running += languages[fewest]
        fewest += 1
    domains, tags = document["domains"], document["tags"]
    top_domain = next(iter(domains), None)
    media = totals["statuses_with_media"]
    groups = document["media_engagement"]
    with_media, without = groups.get("with_media"), groups.get("without_media")
    ratio = None
    if with_media and without and without["statuses"] and without["avg_interactions"]:
        ratio = with_media["avg_interactions"] / without["avg_interactions"]
    regions = document["regions"]
    by_count = sorted((count, region) for region, count in regions.items() if region != "generic")
    top_country = min(by_count, key=lambda pair: (-pair[0], pair[1]))[1] if by_count else None
    types = sorted((-group["avg_interactions"], kind) for kind, group in groups.get("by_type", {}).items()
                   if group["statuses"] >= MIN_TYPE_STATUSES)
    return {
        "top_follower_account": top_user,
        "top_follower_count": followers[top_user]["followers"] if top_user else None,
        "interactions_per_status": sum(entry["interactions"] for entry in engagement) / statuses if statuses else None,
        "median_engagement_rate": median,
        "peak_growth_month": peak,
        "created_2022_pct": _share(sum(entry["new"] for month, entry in months if month[:4] == "2022"), with_month),
        "top_domain": top_domain,
        "top_domain_pct": _share(domains[top_domain], statuses) if top_domain else None,
        "languages_for_90_pct": fewest,
        "undetermined_language_pct": _share(document["languages"].get("und", 0), statuses),
        "media_pct": _share(media, statuses),
        "attachments_per_media_status": sum(document["media_types"].values()) / media if media else None,
        "media_engagement_ratio": ratio,
        "top_country_region": top_country,
        "top_media_type": types[0][1] if types else None,
        "top_tag": next(iter(tags), None),
        "single_use_tags_pct": _share(len([tag for tag, count in tags.items() if count == 1]), len(tags)),
        "top_mention": next(iter(document["mentions"]), None),
    }


def _instant(text: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def calendar_key(files: Sequence[Path]) -> dict[str, Any]:
    """The questions of time, on the distinct original statuses of the files (tables.originals)."""
    from labctl.oracle.metrics import handle, instance_of

    per_tag: dict[str, Counter] = {}
    first: dict[str, datetime] = {}
    written: Counter = Counter()
    for status in tables.originals(files).values():
        when = _instant(status.get("created_at"))
        if when is None:
            continue
        when = when.astimezone(timezone.utc)
        month = f"{when.year:04d}-{when.month:02d}"
        tags = status.get("tags") if isinstance(status.get("tags"), list) else []
        for name in {tag["name"].lower() for tag in tags if isinstance(tag, dict) and isinstance(tag.get("name"), str) and tag["name"]}:
            per_tag.setdefault(name, Counter())[month] += 1
        account = status["account"]
        instance = instance_of(handle(account.get("acct"), account.get("url")))
        written[instance] += 1
        first[instance] = min(first.get(instance, when), when)
    shares = sorted((-Fraction(max(months.values()), sum(months.values())), tag)
                    for tag, months in per_tag.items() if sum(months.values()) >= MIN_STATUSES)
    seasonal = shares[0][1] if shares else None
    month = None
    if seasonal is not None:
        busiest = max(per_tag[seasonal].values())
        month = sorted(m for m, n in per_tag[seasonal].items() if n == busiest)[0]
    starts = sorted((-first[instance].timestamp(), instance) for instance in written if written[instance] >= MIN_STATUSES)
    late = starts[0][1] if starts else None
    return {
        "seasonal_tag": seasonal,
        "seasonal_tag_month": month,
        "late_instance": late,
        "late_instance_month": f"{first[late].year:04d}-{first[late].month:02d}" if late else None,
    }


def full_key(files: Sequence[Path]) -> dict[str, Any]:
    """Every answer of an input: from the oracle's document, then from its statuses (cached)."""
    sources = [Path(__file__), Path(tables.__file__)]
    return {**answer_key(expected.document(files)), **expected.cached("calendar", files, sources, calendar_key)}


def agrees(name: str, wanted: Any, got: Any) -> bool:
    if isinstance(wanted, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        if name.endswith("_pct"):
            return abs(wanted - got) <= PERCENT_TOLERANCE
        return math.isclose(wanted, got, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    return wanted == got and type(wanted) is type(got)


def answers_check(name: str, description: str, data, points: float, *, hidden: bool) -> Check:
    def run(context: Context) -> Outcome:
        source = data()
        document = expected.document(source.files)
        key = full_key(source.files)
        with tempfile.TemporaryDirectory(prefix="labctl-course-analysis-") as tmp:
            metrics = Path(tmp) / "metrics.json"
            metrics.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
            ran = common.run_program(context, [sys.executable, "analysis.py", str(metrics), *map(str, source.files)],
                                     "analysis.py", what=source.name, stderr_hint="hint: print the answers, and nothing else")
        if isinstance(ran, Outcome):
            return ran
        try:
            got = json.loads(ran.stdout)
        except ValueError:
            return Outcome.failed(f"analysis.py did not print one JSON object: {tail(ran.stdout, 200)!r}\n"
                                  "hint: print(json.dumps(answers(...))) and no other print")
        if not isinstance(got, dict):
            return Outcome.failed(f"analysis.py printed {type(got).__name__}, not a JSON object of answers")
        wrong = [question for question in key if question not in got or not agrees(question, key[question], got[question])]
        right = len(key) - len(wrong)
        if not wrong:
            return Outcome.passed(f"all {len(key)} answers right on {source.name}")
        lines = [f"  {q}: expected {json.dumps(key[q])}, got {json.dumps(got.get(q, '(missing)'))}" for q in wrong[:5]]
        more = f"\n  … and {len(wrong) - 5} more" if len(wrong) > 5 else ""
        return Outcome(right / len(key), f"{len(wrong)} of {len(key)} answers wrong on {source.name}:\n" + "\n".join(lines) + more)

    return Check(name, description, points, run, hidden=hidden)


def interpretation(context: Context) -> Outcome:
    path = context.workspace / "interpretation.md"
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    written = text.strip() and "YOUR ANSWER HERE" not in text
    state = "written" if written else "not written yet"
    return Outcome.passed(f"not graded by machine: your teacher reads interpretation.md ({state})")


CHECKS = [
    common.unit_tests("test_analysis.py", 2),
    answers_check("recording", "the answers on the recording's metrics, numbers within 0.01 points or 0.1 %", inputs.recording, 5, hidden=False),
    answers_check("generated", "the answers on another generated set's metrics", inputs.generated, 3, hidden=True),
    Check("interpretation", "your written interpretation (interpretation.md)", 0, interpretation),
]
