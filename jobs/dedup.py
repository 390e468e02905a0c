"""Step 1 of the metrics job: parse every raw status once, de-duplicate, emit contributions.

map:     raw line -> ("status", uri or id)  a compact copy of the status (or of the boost)
                  -> ("author", handle)     one observation of the author's account
                  -> ("malformed", reason)  base64 of the raw line (for the quarantine)
         A boost yields its wrapper and then its embedded original, each a status.
         The map task keeps only the latest observation of each author it has seen
         (in-mapper combining, in bounded memory), so most statuses cost one row.
         No combiner: it would decode and re-encode every row to merge the few copies
         of one status that fall into the same split.
reduce:  one merged copy per distinct status -> its contributions to every metric
         (its instance and region come from its author's handle);
         one observation per author -> the account row, the accounts total and the
         account's month of user growth. Contributions are summed in memory before they
         are written (aggregate.combine_within_task), so step 2 reads one row per key and
         reduce task instead of one per status.

Counters (group "Mastodon"): records_read, blank_lines, malformed (by reason in group
"Mastodon malformed"), statuses_read and boosts_read (copies, before de-duplication) in
the mappers; statuses, boosts, accounts, accounts_without_created_at (distinct) in the
reducers.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import aggregate
import contract
import wire

GROUP = "Mastodon"
MALFORMED_GROUP = "Mastodon malformed"


class Original(NamedTuple):
    """What the metrics need of an original status; lists are distinct and sorted."""

    edited_at: str  # utc_timestamp, "" when never edited: the latest edit wins a merge
    author: str
    favourites: int
    reblogs: int
    replies: int
    language: str
    media_types: list[str]  # one per attachment
    tags: list[str]
    mentions: list[str]
    emojis: list[str]
    urls: list[str]


class Boost(NamedTuple):
    author: str


Copy = Original | Boost


def encode(copy: Copy) -> list[Any]:
    return ["b" if isinstance(copy, Boost) else "s", *copy]


def decode(value: list[Any]) -> Copy:
    return Boost(*value[1:]) if value[0] == "b" else Original(*value[1:])


def original(status: dict[str, Any], author: str) -> Original:
    return Original(
        contract.utc_timestamp(status.get("edited_at")),
        author,
        contract.count(status.get("favourites_count")),
        contract.count(status.get("reblogs_count")),
        contract.count(status.get("replies_count")),
        contract.language(status),
        contract.media_types(status),
        contract.tags(status),
        contract.mentions(status),
        contract.emojis(status),
        contract.external_links(status.get("content")),
    )


def mapper(line: bytes, counters: wire.Counters) -> Iterator[wire.Row]:
    if not line.strip():
        counters[GROUP, "blank_lines"] += 1
        return
    counters[GROUP, "records_read"] += 1
    record = contract.parse_record(line)
    if isinstance(record, contract.Malformed):
        counters[GROUP, "malformed"] += 1
        counters[MALFORMED_GROUP, record.reason] += 1
        yield ("malformed", record.reason), base64.b64encode(line).decode("ascii")
        return
    for status in contract.statuses_in(record):
        author = contract.author(status)
        if contract.is_boost(status):
            counters[GROUP, "boosts_read"] += 1
            copy: Copy = Boost(author)
        else:
            counters[GROUP, "statuses_read"] += 1
            copy = original(status, author)
        yield ("status", contract.identity(status)), encode(copy)
        yield ("author", author), contract.observation(status)


def merge_copies(copies: Iterable[Copy]) -> Copy:
    """Counts are the maximum over the copies of an original.

    Copies may disagree on other fields when a status was edited between two fetches: the
    latest edit is kept, and among equally recent copies the same one whatever the order of
    arrival. An original wins over a boost with the same id, which only corrupt data can
    produce.
    """
    copies = list(copies)
    originals = [copy for copy in copies if isinstance(copy, Original)]
    if not originals:
        return max(copies)
    kept = max(originals, key=lambda copy: copy._replace(favourites=0, reblogs=0, replies=0))
    return kept._replace(
        favourites=max(copy.favourites for copy in originals),
        reblogs=max(copy.reblogs for copy in originals),
        replies=max(copy.replies for copy in originals),
    )


def contributions(copy: Copy, counters: wire.Counters) -> Iterator[wire.Row]:
    """The rows one distinct status adds to the metrics (step 2 sums them)."""
    if isinstance(copy, Boost):
        counters[GROUP, "boosts"] += 1
        yield ("total", "boosts"), 1
        return
    counters[GROUP, "statuses"] += 1
    yield ("total", "statuses"), 1
    yield ("language", copy.language), 1
    if copy.media_types:
        yield ("total", "statuses_with_media"), 1
        for media_type, n in sorted(Counter(copy.media_types).items()):
            yield ("media_type", media_type), n
    for kind, names in (("tag", copy.tags), ("mention", copy.mentions), ("emoji", copy.emojis), ("url", copy.urls)):
        for name in names:
            yield (kind, name), 1
    for domain in sorted({contract.domain(url) for url in copy.urls}):
        yield ("domain", domain), 1
    interactions = copy.favourites + copy.reblogs + copy.replies
    yield ("account", copy.author), [None, 1, interactions]
    instance = contract.instance(copy.author)
    region = contract.region(instance)
    yield ("instance", instance), 1
    yield ("region", region), 1
    yield ("region_language", wire.join_pair(region, copy.language)), 1
    yield ("media_engagement", "with_media" if copy.media_types else "without_media"), [1, interactions]
    for media_type in sorted(set(copy.media_types)):  # once per type, however many attachments
        yield ("media_type_engagement", media_type), [1, interactions]


def author_rows(handle: str, observation: contract.Observation, counters: wire.Counters) -> Iterator[wire.Row]:
    counters[GROUP, "accounts"] += 1
    yield ("account", handle), [observation, 0, 0]
    yield ("total", "accounts"), 1
    if observation.account_month:
        yield ("growth", observation.account_month), 1
    else:
        counters[GROUP, "accounts_without_created_at"] += 1


def reducer(key: wire.Key, values: Iterator[Any], counters: wire.Counters) -> Iterator[wire.Row]:
    kind, name = key
    if kind == "status":
        yield from contributions(merge_copies(map(decode, values)), counters)
    elif kind == "author":
        yield from author_rows(name, contract.Observation(*max(values)), counters)
    elif kind == "malformed":
        yield from ((key, value) for value in values)
    else:
        raise ValueError(f"unexpected row kind {kind!r}")


def map_task(lines: Iterable[bytes], counters: wire.Counters) -> Iterator[wire.Row]:
    """The mapper, with each author's observations reduced to the latest inside the task."""
    return wire.combine_in_memory(wire.map_lines(mapper, lines, counters), {"author": max})


def reduce_task(lines: Iterable[bytes], counters: wire.Counters) -> Iterator[wire.Row]:
    return aggregate.combine_within_task(wire.reduce_lines(reducer, lines, counters))


TASKS = {"map": map_task, "reduce": reduce_task}  # the roles steps.json names: python3 dedup.py <role>

if __name__ == "__main__":
    raise SystemExit(wire.main(TASKS))
