"""The seed's analysis questions, answered from the lab's metric document and, for the
questions of time the metrics cannot answer, from the recording itself.

    python3 analysis.py METRICS.json RECORDING...

METRICS.json is the document of docs/metrics.md, as `labctl jobs run-local --json` prints
it (handles in clear) for the recording; RECORDING is the recording's files or folder, read
with statuses.py (given). Print one JSON object with every answer below; numbers are checked
with a tolerance (0.01 for percentages), names exactly.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

from statuses import originals

MIN_TYPE_STATUSES = 30  # a mean over fewer statuses than this is not trusted
MIN_STATUSES = 20  # a tag or an instance with fewer statuses than this is left out

QUESTIONS = {
    "top_follower_account": "the account with the most followers (ties: the first in the document's order)",
    "top_follower_count": "its number of followers",
    "interactions_per_status": "all interactions received divided by all original statuses",
    "median_engagement_rate": "the median engagement rate of the accounts with at least 5 original statuses (null if none)",
    "peak_growth_month": "the month (YYYY-MM) in which the most of the authors seen created their account (ties: the earliest)",
    "created_2022_pct": "the percentage of the authors with a known creation month who created their account in 2022",
    "top_domain": "the most linked domain",
    "top_domain_pct": "the percentage of all statuses that link to it",
    "languages_for_90_pct": "the fewest languages that together cover at least 90 % of the statuses",
    "undetermined_language_pct": "the percentage of statuses whose language is undetermined (und)",
    "media_pct": "the percentage of statuses with at least one media attachment",
    "attachments_per_media_status": "attachments per status that has media",
    "media_engagement_ratio": "average interactions of a status with media divided by those of a status without (null if no status is without media)",
    "top_country_region": "the region with the most statuses, `generic` left out (null if there is none)",
    "top_media_type": f"the attachment type whose statuses draw the most interactions on average (media_engagement.by_type), "
                      f"among the types of at least {MIN_TYPE_STATUSES} statuses (ties: the first in name order; null if none)",
    "top_tag": "the most used tag",
    "single_use_tags_pct": "the percentage of the distinct tags used by exactly one status",
    "top_mention": "the most mentioned account",
}

# Answered from the statuses (statuses.py), whose time is known: the metrics have no time axis.
CALENDAR_QUESTIONS = {
    "seasonal_tag": f"among the tags of at least {MIN_STATUSES} statuses, the one with the largest share of its statuses "
                    "in a single month (ties: the first in name order; null if none)",
    "seasonal_tag_month": "that month, YYYY-MM in UTC (ties: the earliest; null if none)",
    "late_instance": f"among the instances of at least {MIN_STATUSES} statuses (an instance is what follows the last @ of "
                     "the author's handle), the one whose first status is the most recent (ties: the first in name order; "
                     "null if none)",
    "late_instance_month": "the month of that first status, YYYY-MM in UTC (null if none)",
}


def answers(metrics: dict) -> dict:
    ### BEGIN SOLUTION
    totals = metrics["totals"]
    statuses = totals["statuses"]

    def pct(part: float, whole: float) -> float | None:
        return 100 * part / whole if whole else None

    def first(section: str):
        return next(iter(metrics[section]), None)

    top = first("followers")
    engagement = metrics["engagement"]
    interactions = sum(entry["interactions"] for entry in engagement.values())
    rates = [entry["engagement_rate"] for entry in engagement.values() if entry["statuses"] >= 5]
    growth = metrics["user_growth"]
    peak = max(growth, key=lambda month: (growth[month]["new"], [-ord(c) for c in month]), default=None)
    known = sum(entry["new"] for entry in growth.values())
    in_2022 = sum(entry["new"] for month, entry in growth.items() if month.startswith("2022-"))
    covered, needed = 0, 0
    for count in sorted(metrics["languages"].values(), reverse=True):
        if statuses and covered >= 0.9 * statuses:
            break
        covered, needed = covered + count, needed + 1
    tags = metrics["tags"]
    domain = first("domains")
    media_groups = metrics["media_engagement"]
    with_media = media_groups.get("with_media", {}).get("avg_interactions")
    without_media = media_groups.get("without_media", {})
    countries = [region for region in metrics["regions"] if region != "generic"]
    trusted = {kind: group["avg_interactions"] for kind, group in media_groups.get("by_type", {}).items()
               if group["statuses"] >= MIN_TYPE_STATUSES}
    return {
        "top_follower_account": top,
        "top_follower_count": metrics["followers"][top]["followers"] if top else None,
        "interactions_per_status": interactions / statuses if statuses else None,
        "median_engagement_rate": statistics.median(rates) if rates else None,
        "peak_growth_month": peak,
        "created_2022_pct": pct(in_2022, known),
        "top_domain": domain,
        "top_domain_pct": pct(metrics["domains"][domain], statuses) if domain else None,
        "languages_for_90_pct": needed,
        "undetermined_language_pct": pct(metrics["languages"].get("und", 0), statuses),
        "media_pct": pct(totals["statuses_with_media"], statuses),
        "attachments_per_media_status": sum(metrics["media_types"].values()) / totals["statuses_with_media"]
        if totals["statuses_with_media"] else None,
        "media_engagement_ratio": with_media / without_media["avg_interactions"]
        if with_media is not None and without_media.get("statuses") and without_media["avg_interactions"] else None,
        "top_country_region": countries[0] if countries else None,
        "top_media_type": min(trusted, key=lambda kind: (-trusted[kind], kind)) if trusted else None,
        "top_tag": first("tags"),
        "single_use_tags_pct": pct(sum(1 for count in tags.values() if count == 1), len(tags)),
        "top_mention": first("mentions"),
    }
    ### END SOLUTION


def calendar(statuses: list[dict]) -> dict:
    """The answers of CALENDAR_QUESTIONS, from statuses as statuses.originals gives them."""
    ### BEGIN SOLUTION
    months: dict[str, Counter] = defaultdict(Counter)
    first: dict[str, object] = {}
    written: Counter = Counter()
    for status in statuses:
        when = status["created_at"]
        if when is None:
            continue
        for tag in status["tags"]:
            months[tag][when.strftime("%Y-%m")] += 1
        handle = status["handle"]
        instance = (handle.rsplit("@", 1)[1] or "unknown") if "@" in handle else "unknown"
        written[instance] += 1
        if instance not in first or when < first[instance]:
            first[instance] = when
    tags = [tag for tag in sorted(months) if sum(months[tag].values()) >= MIN_STATUSES]
    # The largest share, compared exactly (a * d > c * b), not as rounded fractions.
    seasonal = None
    for tag in tags:
        busiest = max(months[tag].values())
        total = sum(months[tag].values())
        if seasonal is None or busiest * seasonal[2] > seasonal[1] * total:
            seasonal = (tag, busiest, total)
    month = None
    if seasonal:
        month = min(m for m, n in months[seasonal[0]].items() if n == seasonal[1])
    late = None
    for instance in sorted(written):  # in name order: a tie keeps the first
        if written[instance] >= MIN_STATUSES and (late is None or first[instance] > first[late]):
            late = instance
    return {
        "seasonal_tag": seasonal[0] if seasonal else None,
        "seasonal_tag_month": month,
        "late_instance": late,
        "late_instance_month": first[late].strftime("%Y-%m") if late else None,
    }
    ### END SOLUTION


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python3 analysis.py METRICS.json RECORDING...", file=sys.stderr)
        return 2
    metrics = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    print(json.dumps({**answers(metrics), **calendar(originals(argv[1:]))}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
