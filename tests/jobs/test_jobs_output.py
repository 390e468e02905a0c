"""The last step's rows -> the metric document (labctl/jobs/output.py)."""

from __future__ import annotations

import base64

import pytest

import wire
from labctl.jobs.output import OutputError, malformed_records, metrics_from_output, ranked, with_cumulative


def rows(*pairs) -> list[bytes]:
    return [wire.write(key, value) for key, value in pairs]


def test_document_shape_and_orders():
    output = rows(
        (("tag", "b"), 2),
        (("tag", "a"), 2),
        (("tag", "c"), 5),
        (("growth", "2024-03"), 2),
        (("growth", "2023-12"), 1),
        (("followers", "x@h"), {"followers": 1, "following": 0, "statuses_count": 3}),
        (("followers", "y@h"), {"followers": 9, "following": 0, "statuses_count": 3}),
        (("total", "statuses"), 4),
        (("malformed", "invalid-json"), base64.b64encode(b"{").decode()),
        (("malformed", "invalid-json"), base64.b64encode(b"{").decode()),
    ) + [b"\n"]
    doc = metrics_from_output(output)
    assert list(doc) == [
        "totals", "followers", "engagement", "user_growth",
        "urls", "domains", "languages", "media_types", "tags", "mentions", "emojis",
        "instances", "regions", "language_by_region", "media_engagement",
    ]
    assert doc["totals"] == {"statuses": 4, "boosts": 0, "accounts": 0, "statuses_with_media": 0, "malformed": 2}
    assert list(doc["tags"].items()) == [("c", 5), ("a", 2), ("b", 2)]
    assert list(doc["followers"]) == ["y@h", "x@h"]
    assert doc["user_growth"] == {"2023-12": {"new": 1, "cumulative": 1}, "2024-03": {"new": 2, "cumulative": 3}}


def test_helpers():
    assert list(ranked({"b": 1, "a": 1, "c": 3})) == ["c", "a", "b"]
    assert with_cumulative({}) == {}


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (rows((("tag", "a"), 1), (("tag", "a"), 1)), "appears twice"),
        (rows((("total", "statuses"), 1), (("total", "statuses"), 1)), "appears twice"),
        (rows((("surprise", "a"), 1)), "unexpected output row"),
        (rows((("total", "malformed"), 1)), "unexpected output row"),
        (rows((("tag", "a", "extra"), 1)), "expected 2 key fields"),
        ([b"no tab here\n"], "output line 1"),
    ],
)
def test_rejects_what_the_jobs_do_not_write(output, message):
    with pytest.raises(OutputError, match=message):
        metrics_from_output(output)


def test_malformed_records_give_back_the_raw_bytes():
    raw = [b"\xff\xfe", b'{"id": 1}', b"a\xe2\x80\xa8b"]
    output = rows(*((("malformed", f"reason{n}"), base64.b64encode(r).decode()) for n, r in enumerate(raw)), (("tag", "t"), 1))
    assert list(malformed_records(output)) == [(f"reason{n}", r) for n, r in enumerate(raw)]
