"""Rate limiting and fault injection for the replay server; clock and randomness injected."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateState:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds


class RateLimiter:
    """Mastodon-like fixed windows: `limit` requests per `window` seconds per client key.

    Windows that have ended are swept out at most once per window length, so the table
    holds only the clients seen in the last two windows, however many come and go."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.time):
        if limit < 1 or window <= 0:
            raise ValueError(f"rate limit needs limit >= 1 and window > 0, got {limit} per {window}s")
        self.limit, self.window, self.clock = limit, window, clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + window

    def __len__(self) -> int:
        return len(self._windows)

    def hit(self, key: str) -> RateState:
        now = self.clock()
        with self._lock:
            if now >= self._next_sweep:
                self._windows = {k: v for k, v in self._windows.items() if now < v[0] + self.window}
                self._next_sweep = now + self.window
            start, used = self._windows.get(key, (now, 0))
            if now >= start + self.window:
                start, used = now, 0
            allowed = used < self.limit
            if allowed:
                used += 1
            self._windows[key] = (start, used)
        return RateState(allowed, self.limit, self.limit - used, start + self.window)


@dataclass(frozen=True)
class FaultConfig:
    drop_every: int = 0  # drop the connection on every Nth timeline request
    drop_rate: float = 0.0  # ... or on this fraction of them (seeded)
    slow_every: int = 0
    slow_rate: float = 0.0
    delay: float = 0.0  # seconds a slow response waits
    storm_every: int = 0  # answer 429 to the last `storm_length` of every `storm_every` requests
    storm_length: int = 1
    storm_rate: float = 0.0
    storm_reset: float = 0.2  # seconds until a storm's X-RateLimit-Reset
    seed: int = 0

    @property
    def active(self) -> bool:
        return any((self.drop_every, self.drop_rate, self.slow_every, self.slow_rate,
                    self.storm_every, self.storm_rate))


@dataclass(frozen=True)
class Faults:
    drop: bool = False
    slow: bool = False
    storm: bool = False


class FaultPlan:
    """Decides, request by request, which faults to inject: reproducible for a given seed."""

    def __init__(self, config: FaultConfig):
        self.config = config
        self._count = 0
        self._lock = threading.Lock()
        self._rngs = {name: random.Random(f"{config.seed}:{name}") for name in ("drop", "slow", "storm")}

    def next(self) -> Faults:
        c = self.config
        with self._lock:
            self._count += 1
            n = self._count
            storm_cycle = c.storm_every > 0 and (n - 1) % c.storm_every >= c.storm_every - c.storm_length
            return Faults(
                drop=self._pick(n, c.drop_every, c.drop_rate, "drop"),
                slow=self._pick(n, c.slow_every, c.slow_rate, "slow"),
                storm=storm_cycle or self._pick(n, 0, c.storm_rate, "storm"),
            )

    def _pick(self, n: int, every: int, rate: float, name: str) -> bool:
        by_count = every > 0 and n % every == 0
        by_chance = rate > 0 and self._rngs[name].random() < rate
        return by_count or by_chance
