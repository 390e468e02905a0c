"""Step 2 of the metrics job: sum the contributions of step 1 per metric key.

Input rows (step 1's output), keyed (kind, name):

    ("total", "statuses"|"boosts"|"accounts"|"statuses_with_media")  n
    ("language"|"media_type"|"tag"|"mention"|"emoji"|"url"|"domain"|"growth"|"instance"|"region", name)  n
    ("region_language", "<region>/<language>")  n
    ("account", handle)  [observation or null, original statuses, interactions]
    ("media_engagement", "with_media"|"without_media")  [statuses, interactions]
    ("media_type_engagement", type)  [statuses, interactions]
    ("malformed", reason)  base64 of the raw line, passed through untouched

Every merge here is associative and commutative, so the same rule serves as the combiner,
for step 1's in-reducer combining, and inside the reducer. The reducer turns an account row
into the `followers` and `engagement` rows of the final output.

map:     `cat` (the rows are already keyed)
combine: merge the values of one key
reduce:  merge, then write the final rows

Interactions are summed as Python integers and capped at contract.MAX_COUNT when written:
for counts that are never negative, capping the total equals capping every partial sum,
so the result does not depend on how the sums were split between tasks.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import contract
import wire

COUNTED_KINDS = frozenset(
    {"total", "language", "media_type", "tag", "mention", "emoji", "url", "domain", "growth", "instance", "region", "region_language"}
)
# [statuses, interactions], summed element by element.
ENGAGEMENT_KINDS = frozenset({"media_engagement", "media_type_engagement"})
PASSED_THROUGH_KINDS = frozenset({"malformed"})
def merge_engagement(values: Iterable[list[int]]) -> list[int]:
    statuses, interactions = 0, 0
    for n_statuses, n_interactions in values:
        statuses += n_statuses
        interactions += n_interactions
    return [statuses, interactions]


def merge_accounts(values: Iterable[list[Any]]) -> list[Any]:
    """[most recent observation, statuses, interactions]; JSON lists compare like Observations."""
    observations, statuses, interactions = [], 0, 0
    for observation, n_statuses, n_interactions in values:
        if observation is not None:
            observations.append(observation)
        statuses += n_statuses
        interactions += n_interactions
    return [max(observations, default=None), statuses, interactions]


def merge(kind: str, values: Iterable[Any]) -> Any:
    if kind == "account":
        return merge_accounts(values)
    if kind in ENGAGEMENT_KINDS:
        return merge_engagement(values)
    if kind in COUNTED_KINDS:
        return sum(values)
    raise ValueError(f"unexpected row kind {kind!r}")


MERGES: dict[str, Callable[[Any, Any], Any]] = {
    "account": lambda a, b: merge_accounts((a, b)),
    **{kind: lambda a, b: merge_engagement((a, b)) for kind in ENGAGEMENT_KINDS},
    **{kind: operator.add for kind in COUNTED_KINDS},
}


def combine_within_task(rows: Iterable[wire.Row]) -> Iterator[wire.Row]:
    """Sum a task's rows in memory before writing them (step 1's reducer uses it too)."""
    return wire.combine_in_memory(rows, MERGES)


def combiner(key: wire.Key, values: Iterator[Any], counters: wire.Counters) -> Iterator[wire.Row]:
    if key[0] in PASSED_THROUGH_KINDS:
        yield from ((key, value) for value in values)
    else:
        yield key, merge(key[0], values)


def reducer(key: wire.Key, values: Iterator[Any], counters: wire.Counters) -> Iterator[wire.Row]:
    kind, name = key
    if kind in PASSED_THROUGH_KINDS:
        yield from ((key, value) for value in values)
    elif kind == "account":
        yield from account_rows(name, *merge_accounts(values))
    elif kind in ENGAGEMENT_KINDS:
        yield key, engagement_entry(*merge_engagement(values))
    else:
        yield key, merge(kind, values)


def engagement_entry(statuses: int, interactions: int) -> dict[str, Any]:
    """A media engagement group: its statuses, their interactions, and the mean (0.0 for no status)."""
    interactions = contract.clamp(interactions)
    return {"statuses": statuses, "interactions": interactions, "avg_interactions": interactions / statuses if statuses else 0.0}


def account_rows(handle: str, observation: list[Any] | None, statuses: int, interactions: int) -> Iterator[wire.Row]:
    """The followers row (an author always has an observation) and, with originals, engagement."""
    interactions = contract.clamp(interactions)
    followers = 0
    if observation is not None:
        seen = contract.Observation(*observation)
        followers = seen.followers
        yield ("followers", handle), {
            "followers": seen.followers,
            "following": seen.following,
            "statuses_count": seen.statuses_count,
        }
    if statuses:
        yield ("engagement", handle), {
            "statuses": statuses,
            "interactions": interactions,
            "followers": followers,
            "avg_interactions": interactions / statuses,
            "engagement_rate": interactions / (statuses * max(followers, 1)),
        }


def combine_task(lines: Iterable[bytes], counters: wire.Counters) -> Iterator[wire.Row]:
    return wire.reduce_lines(combiner, lines, counters)


def reduce_task(lines: Iterable[bytes], counters: wire.Counters) -> Iterator[wire.Row]:
    return wire.reduce_lines(reducer, lines, counters)


TASKS = {"combine": combine_task, "reduce": reduce_task}  # the roles steps.json names: python3 aggregate.py <role>

if __name__ == "__main__":
    raise SystemExit(wire.main(TASKS))
