"""The timeline: statuses newest first, as GET /api/v1/timelines/public pages them.

The stream is written in the order it is read, newest first, so that a
million statuses need no more memory than a few thousand. The catch is that a
boost (or a reply) refers to an *older* status that the stream has not reached
yet. So the timeline is a row of slots, each with its timestamp drawn ahead of
time; a boost reserves a later slot for its original and writes the original
right away. When the stream reaches that slot it emits the reserved original
(or skips the slot, for originals that never reach this timeline). Further
boosts may pick an already reserved original: one status, many observations.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from labctl.seedgen.accounts import Account, build_table
from labctl.seedgen.config import GeneratorConfig
from labctl.seedgen.ids import MS_PER_DAY, midnight_ms, parse_instant
from labctl.seedgen.statuses import Boost, Composer, Original
from labctl.seedgen.vocab import Lexicon, Weighted
from labctl.seedgen.world import World, build_world

_LOOKAHEAD = 4_000  # how many slots back a boost or reply may reach
_MEAN_REACH = 400  # typical distance, in slots, from a boost to its original
_REUSE = 0.35  # chance that a boost picks an original someone already boosted


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline, and what it carries."""

    status: dict  # as composed; `localize` renders it for each recorded instance
    original: Original  # the original status on this line: itself, or the one boosted
    counts: tuple[int, int, int]  # replies, reblogs, favourites as observed on this line
    boost: Boost | None = None
    instances: tuple[str, ...] = ()  # the recorded instances whose timeline shows it

    @property
    def actor(self) -> Account:
        return self.boost.booster if self.boost is not None else self.original.author


class SlotClock:
    """Timestamps of the timeline's slots, strictly decreasing, drawn on demand ahead of the stream."""

    def __init__(self, rng: random.Random, end_ms: int, mean_gap_ms: int) -> None:
        self._rng, self._mean_gap = rng, mean_gap_ms
        self._first = 0  # slot number of _slots[0]
        self._slots: deque[tuple[int, int]] = deque([(end_ms, rng.getrandbits(16))])

    def slot(self, position: int) -> tuple[int, int]:
        """(milliseconds, low id bits) of slot `position`."""
        while position - self._first >= len(self._slots):
            previous_ms = self._slots[-1][0]
            self._slots.append((previous_ms - self._gap(previous_ms), self._rng.getrandbits(16)))
        return self._slots[position - self._first]

    def forget_before(self, position: int) -> None:
        while self._first < position and len(self._slots) > 1:
            self._slots.popleft()
            self._first += 1

    def _gap(self, at_ms: int) -> int:
        # Busier in the (European) afternoon and evening than at night.
        hour = (at_ms % MS_PER_DAY) / 3_600_000
        busy = 1.0 + 0.6 * math.sin(2 * math.pi * (hour - 9) / 24)
        return max(1, round(self._rng.expovariate(busy / self._mean_gap)))


class Timeline:
    """Generates the entries of one recording from its config."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.rng = random.Random(f"{config.seed}/statuses")
        end_ms = parse_instant(config.end)
        self.clock = SlotClock(random.Random(f"{config.seed}/clock"), end_ms, config.mean_gap_ms)
        # Accounts exist before their first status: the stream spans about statuses * mean gap.
        languages = Weighted.of(config.languages) if config.languages else None
        setup = random.Random(f"{config.seed}/accounts")
        instances = min(max(config.account_count // 12, 20), 4_000)
        self.lexicon = Lexicon.build(setup)
        self.world = build_world(setup, recorded=config.recorded, count=instances, end_ms=end_ms,
                                 languages=config.languages)
        self.table = build_table(
            setup,
            self.lexicon,
            self.world,
            count=config.account_count,
            local_ratio=config.local_ratio,
            # Accounts may be created while the recording runs: they post only once they exist.
            newest_creation_ms=midnight_ms(end_ms - MS_PER_DAY),
            hidden_followers=config.edges.hidden_followers,
            posts=config.statuses,
            days=config.days,
        )
        self.composer = Composer(
            self.rng, self.lexicon, self.table, self.world,
            end_ms=end_ms, languages=languages, edges=config.edges,
        )  # fmt: skip
        self.router = Router(random.Random(f"{config.seed}/routes"), self.world)
        self._reserved: dict[int, Original] = {}  # slot -> original written ahead of the stream
        self._boostable: list[int] = []  # reserved slots holding originals that are boosted

    def entries(self) -> Iterator[Entry]:
        position, emitted = 0, 0
        while emitted < self.config.statuses:
            entry = self._entry_at(position)
            if entry is not None:
                emitted += 1
                yield dataclasses.replace(entry, instances=self.router.route(entry.actor))
            position += 1
            self.clock.forget_before(position)

    def _entry_at(self, position: int) -> Entry | None:
        reserved = self._reserved.pop(position, None)
        if reserved is not None:
            if position in self._boostable:
                self._boostable.remove(position)
            if not reserved.visible:
                return None
            # The recorder paged through some time after posting; counters had moved on a little.
            lag = self.rng.randint(60_000, 3 * 3_600_000)
            status, counts = reserved.observed(reserved.created_ms + lag, self.rng)
            return Entry(status, reserved, counts)
        if self.rng.random() < self.config.boost_ratio:
            return self._boost(position)
        return self._original(position)

    def _original(self, position: int) -> Entry:
        ms, low = self.clock.slot(position)
        author = self.table.draw(self.table.by_activity, self.rng, ms)
        parent = None
        if self.rng.random() < self.config.reply_ratio:
            # A thread continues the author's own post; other replies go to someone else.
            parent_author = author if self.rng.random() < 0.25 else self.table.draw(self.table.by_popularity, self.rng, ms)
            parent = self._reserve(position, parent_author, visible=self.rng.random() < 0.5, boosted=False)
        original = self.composer.original(ms=ms, low=low, author=author, visible=True, reply_to=parent)
        status, counts = original.observed(ms + self.rng.randint(60_000, 3 * 3_600_000), self.rng)
        return Entry(status, original, counts)

    def _boost(self, position: int) -> Entry:
        ms, low = self.clock.slot(position)
        booster = self.table.draw(self.table.by_activity, self.rng, ms)
        original = self._boost_target(position, booster)
        original.boosters.add(booster.index)
        boost, counts = self.composer.boost(
            ms=ms, low=low, booster=booster, original=original, lag_ms=self.rng.randint(1_000, 600_000)
        )
        return Entry(boost.entity, original, counts, boost)

    def _boost_target(self, position: int, booster: Account) -> Original:
        if self._boostable and self.rng.random() < _REUSE:
            candidate = self._reserved[self.rng.choice(self._boostable)]
            if booster.index not in candidate.boosters:  # Mastodon allows one boost per account
                return candidate
        target_ms = self.clock.slot(position)[0] - 3_600_000  # originals are older than their boosts
        author = booster if self.rng.random() < 0.03 else self.table.draw(self.table.by_popularity, self.rng, target_ms)
        original = self._reserve(position, author, visible=self.rng.random() < 0.7, boosted=True)
        return original

    def _reserve(self, position: int, author: Account, *, visible: bool, boosted: bool) -> Original:
        """Write an original for a free slot further down the stream, and hold it there."""
        target = position + 1 + min(int(self.rng.expovariate(1 / _MEAN_REACH)), _LOOKAHEAD)
        while target in self._reserved:
            target += 1
        ms, low = self.clock.slot(target)
        original = self.composer.original(ms=ms, low=low, author=author, visible=visible, boosted=boosted)
        self._reserved[target] = original
        if boosted:
            self._boostable.append(target)
        return original


class Router:
    """Which recorded instances' timelines show an entry. An account's own instance shows all it
    posts; another recorded instance shows it when its users follow the author, which is likelier
    for an author writing its language, and for a popular one. So each recorded timeline leans to
    its region, and a popular status is often in several (with another id in each)."""

    def __init__(self, rng: random.Random, world: World) -> None:
        self.rng = rng
        self.recorded = [i for i in world.instances if i.recorded]
        self._mixes = {i.domain: _shares(i.languages) for i in self.recorded}

    def route(self, actor: Account) -> tuple[str, ...]:
        if len(self.recorded) == 1:
            return (self.recorded[0].domain,)
        affinity = {d: 0.12 + mix.get(actor.language, 0.0) for d, mix in self._mixes.items()}
        if actor.host in affinity:
            primary = actor.host
        else:
            primary = self.rng.choices(list(affinity), weights=list(affinity.values()))[0]
        reach = min(0.45, 0.02 + math.sqrt(max(actor.followers, 0)) / 400)
        extra = [d for d in affinity if d != primary and self.rng.random() < reach * affinity[d]]
        return (primary, *extra)


def _shares(weights: Weighted[str]) -> dict[str, float]:
    total, previous, shares = weights.cumulative[-1], 0.0, {}
    for item, cumulative in zip(weights.items, weights.cumulative):
        shares[item] = (cumulative - previous) / total
        previous = cumulative
    return shares
