"""Parameters of a generated recording, and the named profiles that preset them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from labctl.seedgen.ids import parse_instant
from labctl.seedgen.world import RECORDED_INSTANCES

# Newest status of a recording unless told otherwise: fixed, so output never depends on the clock.
DEFAULT_END = "2026-01-31T18:00:00Z"

# How long the recording runs, ending at DEFAULT_END: long enough for a month to stand out.
DEFAULT_DAYS = 123


@dataclass(frozen=True)
class EdgeRates:
    """How often the records that break naive code turn up (per status; per account for account traits)."""

    line_separator: float = 0.01  # U+2028 / U+2029 / U+0085 inside a string
    long_post: float = 0.001  # 10,000+ characters of content
    missing_optional: float = 0.005  # card / poll / language keys absent, not null
    duplicate_link: float = 0.03  # the same link twice in one post (of posts with links)
    link_fragment: float = 0.1  # of links
    link_mixed_case_host: float = 0.05  # of links
    hidden_followers: float = 0.005  # followers_count -1, as with hide_followers_count
    tag_case_duplicate: float = 0.0  # the same tag twice in `tags`, differing by case
    missing_uri: float = 0.0  # no `uri` on a status (every observation), so dedup falls back to id
    local_url_mixed_case: float = 0.0  # a local account's url with its host in mixed case


@dataclass(frozen=True)
class LineNoise:
    """Lines a concatenation of real recordings may hold besides statuses (per status line)."""

    malformed: float = 0.0  # invalid UTF-8, broken JSON, non-objects, no id, account not an object
    blank: float = 0.0
    duplicate: float = 0.0  # the previous line again, verbatim (overlapping recordings)


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that determines a recording: same config, same bytes."""

    statuses: int = 20_000  # timeline entries (originals and boosts), malformed lines not included
    seed: int = 2026
    accounts: int | None = None  # None: derived from `statuses`
    recorded: tuple[str, ...] = RECORDED_INSTANCES  # one timeline (one file) per recorded instance
    end: str = DEFAULT_END  # created_at of the newest entry (ISO 8601)
    days: float = DEFAULT_DAYS  # from the oldest entry to the newest, about
    boost_ratio: float = 0.15
    reply_ratio: float = 0.10
    local_ratio: float = 0.35  # share of accounts on the recorded instances
    languages: dict[str, float] | None = None  # None: each instance's regional mix (world.py)
    edges: EdgeRates = EdgeRates()
    noise: LineNoise = LineNoise()

    def __post_init__(self) -> None:
        problems = []
        if self.statuses < 1:
            problems.append(f"statuses must be at least 1 (got {self.statuses})")
        if self.accounts is not None and not 10 <= self.accounts <= 5_000_000:
            problems.append(f"accounts must be between 10 and 5,000,000 (got {self.accounts})")
        for name in ("boost_ratio", "reply_ratio", "local_ratio"):
            if not 0.0 <= getattr(self, name) <= 0.9:
                problems.append(f"{name} must be between 0 and 0.9 (got {getattr(self, name)})")
        if not 0 < self.days <= 3650 or self.days * 86_400_000 / max(self.statuses, 1) < 10:
            problems.append(f"days must be above 0, at most 3650, and leave 10 ms per status (got {self.days})")
        languages = self.languages
        if languages is not None and (not languages or any(w < 0 for w in languages.values()) or sum(languages.values()) <= 0):
            problems.append(f"languages need positive weights (got {self.languages})")
        if not self.recorded or len(set(self.recorded)) != len(self.recorded):
            problems.append(f"recorded instances must be distinct and at least one (got {self.recorded})")
        for instance in self.recorded:
            if "." not in instance or instance != instance.lower() or "/" in instance:
                problems.append(f"instance must be a lower-case host name (got {instance!r})")
        try:
            parse_instant(self.end)
        except ValueError as exc:
            problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def account_count(self) -> int:
        if self.accounts is not None:
            return self.accounts
        return min(max(self.statuses // 8, 200), 60_000)

    @property
    def mean_gap_ms(self) -> int:
        """Mean time between two entries of the merged timelines."""
        return max(10, round(self.days * 86_400_000 / self.statuses))

    def replace(self, **changes) -> GeneratorConfig:
        return dataclasses.replace(self, **changes)


# The recording shipped in seed_data/, and the command that regenerates it (seed_data/README.md).
SHIPPED_RECORDING = GeneratorConfig(statuses=20_000, seed=2026)
SHIPPED_PATH = "seed_data/recordings"
SHIPPED_COMMAND = f"labctl data generate --statuses 20000 --seed 2026 --out {SHIPPED_PATH}"
# Its files, relative to the repository root: one timeline per recorded instance.
SHIPPED_FILES = tuple(f"{SHIPPED_PATH}/{instance}.jsonl.gz" for instance in SHIPPED_RECORDING.recorded)

PROFILES: dict[str, GeneratorConfig] = {
    # What a public timeline looks like: every entry a valid Status, traps included.
    "realistic": GeneratorConfig(),
    # A concatenation of recordings gone wrong, for `seed --file` and the jobs' malformed-record paths.
    "hostile": GeneratorConfig(
        edges=EdgeRates(
            line_separator=0.05,
            long_post=0.005,
            missing_optional=0.03,
            duplicate_link=0.1,
            link_fragment=0.2,
            link_mixed_case_host=0.15,
            hidden_followers=0.02,
            tag_case_duplicate=0.02,
            missing_uri=0.01,
            local_url_mixed_case=0.02,
        ),
        noise=LineNoise(malformed=0.02, blank=0.005, duplicate=0.01),
    ),
}


def parse_languages(spec: str) -> dict[str, float]:
    """`en=40,de=9,null=8` -> weights; `null` is a JSON null language, `empty` an empty string."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        code, sep, weight = part.partition("=")
        try:
            value = float(weight)
        except ValueError:
            value = -1.0
        if not sep or not code.strip() or value < 0:
            raise ValueError(f"bad language weight {part!r}: expected CODE=WEIGHT, e.g. en=40")
        weights[code.strip()] = value
    if not weights or sum(weights.values()) <= 0:
        raise ValueError(f"no language has a positive weight in {spec!r}")
    return weights
