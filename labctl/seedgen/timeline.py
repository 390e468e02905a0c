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

_LOOKAHEAD = 4_000  # how many slots back a boost or reply may reach
_MEAN_REACH = 400  # typical distance, in slots, from a boost to its original
_REUSE = 0.35  # chance that a boost picks an original someone already boosted


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline, and what it carries."""

    status: dict
    original: Original  # the original status on this line: itself, or the one boosted
    counts: tuple[int, int, int]  # replies, reblogs, favourites as observed on this line
    boost: Boost | None = None


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
        span_ms = 2 * config.statuses * config.mean_gap_ms + 2 * MS_PER_DAY
        languages = Weighted.of(config.languages)
        setup = random.Random(f"{config.seed}/accounts")
        remote_hosts = min(max(config.account_count // 12, 20), 4_000)
        self.lexicon = Lexicon.build(setup, remote_hosts=remote_hosts, tags=2_000, domains=400)
        self.table = build_table(
            setup,
            self.lexicon,
            count=config.account_count,
            instance=config.instance,
            local_ratio=config.local_ratio,
            languages=languages,
            newest_creation_ms=midnight_ms(end_ms - span_ms),
            hidden_followers=config.edges.hidden_followers,
        )
        self.composer = Composer(
            self.rng, self.lexicon, self.table,
            instance=config.instance, end_ms=end_ms, languages=languages, edges=config.edges,
        )  # fmt: skip
        self._reserved: dict[int, Original] = {}  # slot -> original written ahead of the stream
        self._boostable: list[int] = []  # reserved slots holding originals that are boosted

    def entries(self) -> Iterator[Entry]:
        position, emitted = 0, 0
        while emitted < self.config.statuses:
            entry = self._entry_at(position)
            if entry is not None:
                emitted += 1
                yield entry
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
        author = self.table.by_activity.draw(self.rng)
        parent = None
        if self.rng.random() < self.config.reply_ratio:
            # A thread continues the author's own post; other replies go to someone else.
            parent_author = author if self.rng.random() < 0.25 else self.table.by_popularity.draw(self.rng)
            parent = self._reserve(position, parent_author, visible=self.rng.random() < 0.5, boosted=False)
        original = self.composer.original(ms=ms, low=low, author=author, visible=True, reply_to=parent)
        status, counts = original.observed(ms + self.rng.randint(60_000, 3 * 3_600_000), self.rng)
        return Entry(status, original, counts)

    def _boost(self, position: int) -> Entry:
        ms, low = self.clock.slot(position)
        booster = self.table.by_activity.draw(self.rng)
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
        author = booster if self.rng.random() < 0.03 else self.table.by_popularity.draw(self.rng)
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
