"""Public checks: the three scripts on a few statuses, in process (map, sort, reduce, sum).

Run them with `python test_mentions.py` in this folder; `labctl course check mentions` runs
them too, with more checks you do not see, then the whole job on real data.
"""

from __future__ import annotations

import json
from itertools import groupby

from mapper import map_line
from reducer import reduce_key
from sum_reducer import total


def status(number: int, *mentioned: str, uri: bool = True, **extra) -> dict:
    record = {
        "id": str(number),
        "account": {"acct": "author", "url": "https://home.example/@author"},
        "mentions": [{"acct": acct, "url": f"https://{acct.partition('@')[2] or 'home.example'}/@{acct}"} for acct in mentioned],
        "reblog": None,
        "edited_at": None,
    }
    if uri:
        record["uri"] = f"https://home.example/statuses/{number}"
    record.update(extra)
    return record


def line(record) -> bytes:
    return json.dumps(record).encode() + b"\n"


def run(lines: list[bytes]) -> dict[str, int]:
    """The job in process: map, sort by key, reduce, then sum per handle."""
    mapped = sorted(pair for raw in lines for pair in map_line(raw))
    ones = sorted(pair for key, group in groupby(mapped, key=lambda p: p[0]) for pair in reduce_key(key, [v for _, v in group]))
    return {handle: total([str(n) for _, n in group]) for handle, group in groupby(ones, key=lambda p: p[0])}


def test_two_statuses_mentioning_one_account():
    assert run([line(status(1, "ada@math.example")), line(status(2, "ada@math.example", "bob@b.example"))]) == {
        "ada@math.example": 2,
        "bob@b.example": 1,
    }


def test_a_boost_counts_through_its_original_once():
    original = status(1, "ada@math.example")
    boost = status(2, reblog=original)
    assert run([line(original), line(boost)]) == {"ada@math.example": 1}


def test_a_local_mention_takes_the_host_of_its_url_and_handles_are_lower_case():
    record = status(1)
    record["mentions"] = [{"acct": "Cleo", "url": "https://Local.Example/@Cleo"}]
    assert run([line(record)]) == {"cleo@local.example": 1}


### BEGIN HIDDEN TESTS
def test_the_latest_edit_decides_the_mentions():
    first = status(1, "old@a.example", edited_at="2026-01-01T10:00:00Z")
    later = status(1, "new@a.example", edited_at="2026-01-01T06:00:00-05:00")  # 11:00 UTC
    assert run([line(later), line(first)]) == {"new@a.example": 1}
    assert run([line(first), line(later)]) == {"new@a.example": 1}


def test_malformed_and_blank_lines_are_skipped():
    lines = [b"\n", b"not json\n", b'{"id": "9"}\n', b"\xff\n", line(status(1, "ada@math.example"))]
    assert run(lines) == {"ada@math.example": 1}


def test_without_uri_a_status_is_deduplicated_by_id():
    copy = status(5, "ada@math.example", uri=False)
    assert run([line(copy), line(copy)]) == {"ada@math.example": 1}


def test_an_account_mentioned_twice_in_one_status_counts_once():
    assert run([line(status(1, "ada@math.example", "ADA@math.example"))]) == {"ada@math.example": 1}
### END HIDDEN TESTS


if __name__ == "__main__":
    from labctl.course.unit import main

    main(globals())
