"""Public checks: the region rule, and the job on a few statuses, in process.

Run them with `python test_regions.py` in this folder; `labctl course check regions` runs
them too, with more checks you do not see, then the whole job on real data.
"""

from __future__ import annotations

import json
from itertools import groupby

from mapper import map_line
from reducer import count_region
from region import region_of


def status(number: int, acct: str, url: str = "", **extra) -> dict:
    record = {"id": str(number), "uri": f"https://a.example/s/{number}", "account": {"acct": acct, "url": url}, "reblog": None}
    record.update(extra)
    return record


def run(records: list[dict]) -> dict[str, int]:
    rows = sorted(pair for record in records for pair in map_line(json.dumps(record).encode() + b"\n"))
    return {region: count_region(region, [key for _, key in group]) for region, group in groupby(rows, key=lambda r: r[0])}


# Instances of the recording: the three recorded ones, the largest general one, the one that
# joins late, and a tech community under a two-letter domain that is no country.
def test_country_code_domains_are_regions():
    assert region_of("anke@toot.varmo.de") == "de"
    assert region_of("chie@mast.kiroba.jp") == "jp"
    assert region_of("basile@social.lupen.fr") == "fr"
    assert region_of("ola@mast.oveli.uk") == "uk"  # the United Kingdom's domain is .uk, its ISO code GB


def test_two_letters_make_a_region_even_when_they_name_no_country_in_practice():
    assert region_of("dev@lirifa.io") == "io"  # the rule reads the name: what a region means is the question's


def test_other_domains_are_generic():
    assert region_of("eve@varo.social") == "generic"
    assert region_of("ivo@vetutu.space") == "generic"
    assert region_of("kim@mastodon.zepemo.net") == "generic"


def test_a_boost_counts_for_the_region_of_its_original():
    original = status(1, "anke@toot.varmo.de")
    boost = status(2, "eve@varo.social", reblog=original)
    assert run([original, boost]) == {"de": 1}


def test_each_region_counts_its_own_statuses():
    statuses = [status(1, "anke@toot.varmo.de"), status(2, "chie@mast.kiroba.jp"), status(3, "rin@mast.kiroba.jp"),
                status(4, "eve@varo.social")]
    assert run(statuses) == {"de": 1, "jp": 2, "generic": 1}


### BEGIN HIDDEN TESTS
def test_odd_instances_are_generic():
    assert region_of("nohost") == "generic"
    assert region_of("ivo@10.0.0.1") == "generic"
    assert region_of("fumi@xn--r8jz45g.xn--zckzah") == "generic"
    assert region_of("jo@social.example.c1") == "generic"
    assert region_of("x@de") == "generic"  # one label: no top-level domain


def test_one_trailing_dot_is_dropped():
    assert region_of("jo@social.example.nz.") == "nz"


def test_a_local_account_takes_the_host_of_its_url():
    assert run([status(1, "Basile", "https://Social.Lupen.FR:8443/@basile")]) == {"fr": 1}


def test_copies_of_a_status_count_once():
    seen_twice = status(1, "gil@toot.varmo.de")
    assert run([seen_twice, seen_twice, status(2, "x@varo.social", reblog=seen_twice)]) == {"de": 1}
### END HIDDEN TESTS


if __name__ == "__main__":
    from labctl.course.unit import main

    main(globals())
