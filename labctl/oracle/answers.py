"""What `labctl query` must answer, derived from the oracle's document alone.

The oracle (labctl/oracle/metrics.py) computes the metric document from the raw statuses; this module only
re-keys its accounts by pseudonym and cuts out the part each query answers, re-sorting with
the contract's rule (count descending, then key ascending) written out here again, so that no
code of labctl.hbase or labctl.jobs decides what is expected. Standard library and the
pseudonymiser only.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

PERSON_SECTIONS = {
    "followers": lambda entry: entry["followers"],
    "engagement": lambda entry: entry["interactions"],
    "mentions": lambda count: count,
}
LIST_QUERIES = {
    "top-users": "followers",
    "engagement": "engagement",
    "top-urls": "urls",
    "top-domains": "domains",
    "top-tags": "tags",
    "top-mentions": "mentions",
    "top-emojis": "emojis",
    "instances": "instances",
    "regions": "regions",
}


def contract_sorted(entries: dict[str, Any], count) -> dict[str, Any]:
    return dict(sorted(entries.items(), key=lambda item: (-count(item[1]), item[0])))


def pseudonymised(document: dict[str, Any], pseudonymiser) -> dict[str, Any]:
    """The document with every account handle replaced by its pseudonym, in the contract's order."""
    result = dict(document)
    for section, count in PERSON_SECTIONS.items():
        renamed = {pseudonymiser.pseudonym(handle): entry for handle, entry in document[section].items()}
        assert len(renamed) == len(document[section]), "two handles share a pseudonym"
        result[section] = contract_sorted(renamed, count)
    return result


def head(entries: dict[str, Any], limit: int | None) -> dict[str, Any]:
    return dict(islice(entries.items(), limit))


def expected_answer(
    document: dict[str, Any], name: str, limit: int | None, *, by: str = "interactions", region: str | None = None
) -> dict[str, Any]:
    """The answer of `query(name, limit)` (`region`: of `languages --region`) for an (already pseudonymised) document."""
    totals = document["totals"]
    if region is not None:
        if region not in document["regions"]:
            return {"regions": {}, "language_by_region": {}, "language_shares": {}}
        statuses = document["regions"][region]
        languages = head(document["language_by_region"][region], limit)
        return {
            "regions": {region: statuses},
            "language_by_region": {region: languages},
            "language_shares": {code: count / statuses for code, count in languages.items()},
        }
    if name == "media-engagement":
        media = document["media_engagement"]
        return {"media_engagement": {**media, "by_type": head(media["by_type"], limit)}}
    if name == "totals":
        return {"totals": totals}
    if name == "user-growth":
        return {"user_growth": document["user_growth"]}
    if name == "languages":
        languages = head(document["languages"], limit)
        shares = {code: count / totals["statuses"] for code, count in languages.items()}
        return {"totals": {"statuses": totals["statuses"]}, "languages": languages, "language_shares": shares}
    if name == "media":
        return {
            "totals": {"statuses": totals["statuses"], "statuses_with_media": totals["statuses_with_media"]},
            "media_types": head(document["media_types"], limit),
        }
    section = LIST_QUERIES[name]
    entries = document[section]
    if name == "engagement" and by == "rate":
        entries = contract_sorted(entries, lambda entry: entry["engagement_rate"])
    return {section: head(entries, limit)}
