"""The programs the guide's exercises run, on literal input with figures worked out by hand:
exercise 7 trusts docs/lab-guide/scripts/account.jq as the independent side of a check."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ACCOUNT_JQ = Path(__file__).resolve().parents[2] / "docs" / "lab-guide" / "scripts" / "account.jq"


def account(acct: str, followers: int, noindex: bool = False) -> dict:
    return {"acct": acct, "url": "https://one.example/@" + acct.split("@")[0], "followers_count": followers, "noindex": noindex}


def status(id_: int, author: dict, created_at: str, counts=(0, 0, 0), reblog: dict | None = None) -> dict:
    favourites, reblogs, replies = counts
    return {"id": str(id_), "uri": f"https://one.example/statuses/{id_}", "created_at": created_at, "account": author,
            "favourites_count": favourites, "reblogs_count": reblogs, "replies_count": replies, "reblog": reblog}


def figures(records: list[dict], handle: str) -> dict:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    text = "\n".join(json.dumps(record) for record in records)
    done = subprocess.run(["jq", "-s", "-c", "--arg", "handle", handle, "-f", str(ACCOUNT_JQ)], input=text, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_copies_count_once_with_their_largest_counts_and_the_latest_observation_gives_followers():
    ann_old, ann_new, bob = account("ann", 10), account("ann", 12), account("bob@two.example", 5)
    original = status(1, ann_old, "2026-01-01T10:00:00.000Z", (3, 1, 0))
    records = [
        original,
        status(1, ann_old, "2026-01-01T10:00:00.000Z", (5, 0, 2)),  # the same status fetched later: 5 + 1 + 2
        status(2, ann_old, "2026-01-02T10:00:00.000Z", (1, 1, 1)),  # 3 more
        status(3, ann_new, "2026-01-03T10:00:00.000Z", reblog=status(4, bob, "2026-01-01T09:00:00.000Z", (9, 9, 9))),  # a boost: not an original of ann
        status(5, bob, "2026-01-04T10:00:00.000Z", reblog=original),  # bob boosts ann's status 1: still one status
    ]
    # ann: originals 1 and 2; interactions (5 + 1 + 2) + 3 = 11; latest observation is her boost (12 followers).
    assert figures(records, "ann@one.example") == {"followers": 12, "statuses": 2, "interactions": 11}


def test_records_touching_a_noindex_author_are_left_out_as_the_collector_does():
    ann, hidden = account("ann", 10), account("hid", 99, noindex=True)
    records = [
        status(1, ann, "2026-01-01T10:00:00.000Z", (1, 0, 0)),
        status(2, hidden, "2026-01-02T10:00:00.000Z", reblog=status(3, ann, "2026-01-01T11:00:00.000Z", (4, 0, 0))),
    ]
    assert figures(records, "ann@one.example") == {"followers": 10, "statuses": 1, "interactions": 1}
