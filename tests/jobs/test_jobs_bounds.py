"""The records that used to break a run (issue 16), counted by the jobs and the oracle alike.

docs/metrics.md, "Bounds": counts in 0..2^63-1, numeric ids the same, links read from the
first 100,000 characters in one pass. Expectations are worked out by hand; each test runs
against both implementations, and one runs the jobs' real processes (`run_local`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from labctl.jobs.local import run_local
from labctl.jobs.output import metrics_from_output
from labctl.oracle import compute
from status_factory import account, line, metrics, status

CEILING = 2**63 - 1
OPEN_TAGS = "<a " * 350_000  # issue 16's record: 1 MB that never finished


@pytest.fixture(params=["jobs", "oracle"])
def document(request) -> Callable[[list[Any]], dict[str, Any]]:
    if request.param == "jobs":
        return metrics
    return lambda records: compute([b"".join(record if isinstance(record, bytes) else line(record) for record in records)])


def test_a_huge_count_is_the_ceiling_and_nothing_raises(document):
    doc = document([status("1", favourites_count=10**400, reblogs_count=2), status("2", replies_count=1)])
    engagement = doc["engagement"]["alice@example.social"]
    assert engagement["interactions"] == CEILING  # capped, though the true sum is larger
    assert engagement["avg_interactions"] == CEILING / 2
    assert doc["media_engagement"]["without_media"]["interactions"] == CEILING


def test_sums_stop_at_the_ceiling_whatever_the_grouping(document):
    records = [status(str(n), favourites_count=CEILING, media_attachments=[{"type": "image"}]) for n in range(3)]
    doc = document(records)
    assert doc["engagement"]["alice@example.social"]["interactions"] == CEILING
    assert doc["media_engagement"]["by_type"]["image"] == {"statuses": 3, "interactions": CEILING, "avg_interactions": CEILING / 3}


def test_huge_account_counts_are_the_ceiling(document):
    doc = document([status("1", by=account("alice", followers_count=10**400, following_count=-3, statuses_count=2**64))])
    assert doc["followers"]["alice@example.social"] == {"followers": CEILING, "following": 0, "statuses_count": CEILING}
    assert doc["engagement"]["alice@example.social"]["engagement_rate"] == 0.0


def test_negative_counts_are_zero(document):
    doc = document([
        status("1", favourites_count=-5, reblogs_count=3, replies_count=-1),
        status("1", favourites_count=-2),  # a copy: the maximum of 0 and 0
        status("2", by=account("bob", followers_count=-1), favourites_count=4),
    ])
    assert doc["engagement"]["alice@example.social"]["interactions"] == 3
    assert doc["engagement"]["bob@example.social"]["followers"] == 0
    assert doc["engagement"]["bob@example.social"]["engagement_rate"] == 4.0  # 4 / (1 * max(0, 1))
    assert doc["followers"]["bob@example.social"]["followers"] == 0


def test_an_integer_of_more_than_4300_digits_makes_the_line_invalid_json(document):
    too_long = b'{"id": "1", "account": {"acct": "a@b.example"}, "favourites_count": ' + b"7" * 4301 + b"}\n"
    longest = b'{"id": "2", "account": {"acct": "a@b.example"}, "favourites_count": ' + b"7" * 4300 + b"}\n"
    doc = document([too_long, longest])
    assert doc["totals"]["malformed"] == 1 and doc["totals"]["statuses"] == 1
    assert doc["engagement"]["a@b.example"]["interactions"] == CEILING


def test_a_status_id_of_thousands_of_digits_ranks_as_the_ceiling(document):
    when = "2024-05-01T12:00:00Z"
    doc = document([
        status("9" * 5000, by=account("alice", followers_count=1), created_at=when),
        status("12", by=account("alice", followers_count=2), created_at=when),
        status("0" * 5000 + "13", by=account("bob", followers_count=3), created_at=when),  # leading zeros: 13
        status("14", by=account("bob", followers_count=4), created_at=when),
        status(" 99", by=account("carol", followers_count=5), created_at=when),  # not ASCII digits only: lowest
        status("15", by=account("carol", followers_count=6), created_at=when),
    ])
    assert doc["followers"]["alice@example.social"]["followers"] == 1  # the greater id: 9...9
    assert doc["followers"]["bob@example.social"]["followers"] == 4  # 14 > 13
    assert doc["followers"]["carol@example.social"]["followers"] == 6


def test_a_megabyte_of_open_anchor_tags_is_read_up_to_the_first_open_one(document):
    before = '<p><a href="https://before.example/">b</a> '
    after = '<a href="https://after.example/">a</a></p>'
    doc = document([
        status("1", content=before + OPEN_TAGS + after),  # the open tag runs past the 100,000 characters read
        status("2", content="<a " * 1000 + after),  # read whole: the first tag swallows the others up to its '>'
        status("3", content=before + '<a title="never closed ' + after),  # an open quote: the tag never ends
        status("4", content="x" * 99_990 + '<a href="https://cut.example/">'),  # its '>' is beyond the bound
    ])
    assert doc["totals"]["statuses"] == 4
    assert doc["urls"] == {"https://before.example/": 2, "https://after.example/": 1}


def test_the_jobs_processes_count_the_breaking_records(tmp_path):
    records = [
        status("1", favourites_count=10**400),
        status("2", content=OPEN_TAGS),
        status("3", by=account("bob", followers_count=-7), replies_count=-2),
        status("4", content='<p><a href="https://fine.example/">ok</a></p>'),
    ]
    source = tmp_path / "hostile.jsonl"
    source.write_bytes(b"".join(map(line, records)))
    work = tmp_path / "work"
    work.mkdir()
    run = run_local([source], work, workers=2)
    doc = metrics_from_output(run.lines())
    assert doc == compute([source])
    assert doc["totals"]["statuses"] == 4 and doc["totals"]["malformed"] == 0
    assert doc["engagement"]["alice@example.social"]["interactions"] == CEILING
    assert doc["followers"]["bob@example.social"]["followers"] == 0
    assert doc["urls"] == {"https://fine.example/": 1}
    json.dumps(doc, allow_nan=False)  # every number finite
