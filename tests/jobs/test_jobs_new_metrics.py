"""Instances, regions, language by region and media engagement (issue 14), on hand-written
statuses, in the jobs (map, sort, combine, reduce in process) and in the oracle alike.

Every expectation is worked out by hand from docs/metrics.md; each test runs once per
implementation, so the two are held to the same reading of the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import contract
from labctl.oracle import compute
from labctl.oracle.metrics import instance_of, region_of
from status_factory import account, line, metrics, status

NO_STATUSES = {"statuses": 0, "interactions": 0, "avg_interactions": 0.0}


@pytest.fixture(params=["jobs", "oracle"])
def document(request) -> Callable[[list[Any]], dict[str, Any]]:
    """The metric document of some statuses, by the jobs or by the oracle."""
    if request.param == "jobs":
        return metrics
    return lambda records: compute([b"".join(record if isinstance(record, bytes) else line(record) for record in records)])


@pytest.fixture(params=["jobs", "oracle"])
def rule(request) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """(instance of a handle, region of an instance) of one implementation."""
    return (contract.instance, contract.region) if request.param == "jobs" else (instance_of, region_of)


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("alice@toot.example.de", "toot.example.de"),
        ("bob@social.example.fr.", "social.example.fr."),  # kept as written: the handle's own text
        ("@carol@mast.example.jp", "mast.example.jp"),  # a stray leading @: the last one counts
        ("dave", "unknown"),  # no @: a local acct without a usable url
        ("erin@", "unknown"),  # nothing after the @
        ("", "unknown"),  # an account without acct
        ("frank@10.0.0.12", "10.0.0.12"),
        ("gus@münchen.example.de", "münchen.example.de"),
    ],
)
def test_the_instance_is_what_follows_the_last_at(rule, handle, expected):
    instance, _ = rule
    assert instance(handle) == expected


@pytest.mark.parametrize(
    ("instance", "expected"),
    [
        ("toot.example.de", "de"),
        ("SOCIAL.EXAMPLE.FR", "fr"),  # upper case: lower-cased
        ("mast.example.Jp", "jp"),
        ("social.example.fr.", "fr"),  # a trailing dot: the fully qualified name
        ("social.example.fr..", "generic"),  # only one dot is dropped: the last label is empty
        ("xn--mnchen-3ya.de", "de"),  # an IDN in punycode under a country code
        ("münchen.de", "de"),  # the same IDN in Unicode
        ("пример.рф", "generic"),  # an IDN country code is not two ASCII letters
        ("example.xn--p1ai", "generic"),  # nor is its punycode
        ("10.0.0.12", "generic"),  # an IPv4 address: a numeric label
        ("example.42", "generic"),
        ("fd00::1", "generic"),  # an IPv6 host
        ("host.example.de:8443", "generic"),  # a port left in an acct
        ("example.com", "generic"),
        ("varo.social", "generic"),
        ("relay.example.gy", "gy"),  # the rule reads the label, not what it means (see the docs)
        ("example.io", "io"),
        ("de", "generic"),  # one label: no top-level domain to read
        ("localhost", "generic"),
        ("unknown", "generic"),
        ("", "generic"),
        (".", "generic"),
        ("example.d", "generic"),
        ("example.d1", "generic"),
        ("example.dé", "generic"),  # two letters, not both ASCII
        ("example.ǆ", "generic"),  # one character, though it looks like two
    ],
)
def test_the_region_rule_on_odd_domains(rule, instance, expected):
    _, region = rule
    assert region(instance) == expected


def by(acct: str, **url: str | None) -> dict[str, Any]:
    """An account by its acct; a local one (no '@') takes its host from `url`."""
    return account(acct, **url)


def test_instances_regions_and_languages_by_region(document):
    doc = document([
        status("1", by=by("ann@toot.example.de"), language="de"),
        status("2", by=by("ann@toot.example.de"), language="en"),
        status("3", by=by("bo@social.example.DE"), language="de"),  # acct upper case: handle lower-cased
        status("4", by=by("cy", url="https://mast.example.fr/@cy"), language="fr"),  # local: host from the url
        status("5", by=by("dee", url=None), language=None),  # no usable url: no instance
        status("6", by=by("eve@varo.social"), language="en"),
        status("6", by=by("eve@varo.social"), language="en"),  # a copy: counted once
    ] + [status(f"j{n}", by=by("fu@mast.example.jp"), language="ja") for n in range(3)])
    assert doc["instances"] == {"mast.example.jp": 3, "toot.example.de": 2, "mast.example.fr": 1, "social.example.de": 1, "unknown": 1, "varo.social": 1}
    assert list(doc["instances"]) == ["mast.example.jp", "toot.example.de", "mast.example.fr", "social.example.de", "unknown", "varo.social"]
    assert doc["regions"] == {"de": 3, "jp": 3, "generic": 2, "fr": 1}
    assert list(doc["regions"]) == ["de", "jp", "generic", "fr"]
    assert doc["language_by_region"] == {"de": {"de": 2, "en": 1}, "jp": {"ja": 3}, "generic": {"en": 1, "und": 1}, "fr": {"fr": 1}}
    assert list(doc["language_by_region"]) == ["de", "jp", "generic", "fr"]
    assert list(doc["language_by_region"]["generic"]) == ["en", "und"]


def test_boosts_count_under_the_original_author_instance(document):
    original = status("1", by=by("ann@toot.example.de"))
    wrapper = status("2", by=by("bo@mast.example.jp"), reblog=original, content="")
    doc = document([wrapper])
    assert doc["instances"] == {"toot.example.de": 1}
    assert doc["regions"] == {"de": 1}


def test_media_engagement_groups_and_types(document):
    doc = document([
        status("1", favourites_count=3, reblogs_count=1, replies_count=0, media_attachments=[{"type": "image"}, {"type": "image"}]),
        status("2", favourites_count=5, reblogs_count=0, replies_count=2, media_attachments=[{"type": "image"}, {"type": "video"}]),
        status("3", favourites_count=1, media_attachments=[{"type": None}, "not an object", {}]),
        status("4", favourites_count=10, replies_count=1),
        status("5"),
        status("5", favourites_count=2),  # a copy: the counts' maxima, once
    ])
    assert doc["media_engagement"] == {
        "with_media": {"statuses": 3, "interactions": 4 + 7 + 1, "avg_interactions": 12 / 3},
        "without_media": {"statuses": 2, "interactions": 11 + 2, "avg_interactions": 13 / 2},
        "by_type": {
            "image": {"statuses": 2, "interactions": 11, "avg_interactions": 5.5},  # once per status, not per attachment
            "unknown": {"statuses": 1, "interactions": 1, "avg_interactions": 1.0},  # three unknowns, one status
            "video": {"statuses": 1, "interactions": 7, "avg_interactions": 7.0},
        },
    }
    assert list(doc["media_engagement"]["by_type"]) == ["image", "unknown", "video"]


def test_both_media_groups_are_there_even_empty(document):
    doc = document([status("1", favourites_count=4)])
    assert doc["media_engagement"] == {
        "with_media": NO_STATUSES,
        "without_media": {"statuses": 1, "interactions": 4, "avg_interactions": 4.0},
        "by_type": {},
    }
    assert isinstance(doc["media_engagement"]["with_media"]["avg_interactions"], float)


def test_empty_input_gives_empty_new_metrics(document):
    for records in ([], [b"", b"  \n"], [b"not json\n"]):
        doc = document(records)
        assert doc["instances"] == doc["regions"] == doc["language_by_region"] == {}
        assert doc["media_engagement"] == {"with_media": NO_STATUSES, "without_media": NO_STATUSES, "by_type": {}}
