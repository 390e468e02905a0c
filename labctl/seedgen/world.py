"""The synthetic fediverse: instances with invented names under real top-level domains, their
region (the country-code TLD, or generic) and the languages their users write in.

Names are made of syllables (`varmo`, `lupen`, `kiroba`), so no real server is named; the TLD
is real, so regions mean something: a `.de` instance posts mostly in German. The recorded
instances (the ones the replay server serves) are part of this world; one instance joins late
(founded during the recording), a story a class can find.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from labctl.seedgen.ids import MS_PER_DAY
from labctl.seedgen.vocab import Weighted, syllable_word
from labctl.seedgen.words import INSTANCE_PREFIXES, INSTANCE_SYLLABLES

# The instances the shipped recording holds one timeline each of (served by the replay server).
RECORDED_INSTANCES = ("toot.varmo.de", "social.lupen.fr", "mast.kiroba.jp")
# Joins late: founded during the recording, all its accounts created after that.
LATE_INSTANCE = "mast.oveli.uk"
LATE_DAYS_BEFORE_END = 60
# The largest general-purpose instance (as one or two are in the real fediverse).
FLAGSHIP = "varo.social"

# Language mixes per region; "null" is a JSON null language, "empty" an empty string.
_UNSET = {"null": 7, "empty": 0.5}
REGION_LANGUAGES: dict[str, dict[str, float]] = {
    "generic": {"en": 62, "de": 6, "es": 5, "fr": 4, "pt": 4, "ja": 3, "nl": 2, "it": 2, "pl": 1.5, "sv": 1,
                "uk": 1, "zh": 1, "ko": 0.7, "ar": 0.7, "he": 0.3},
    "de": {"de": 74, "en": 22, "fr": 1, "nl": 1},
    "at": {"de": 78, "en": 20},
    "ch": {"de": 55, "fr": 25, "en": 15, "it": 5},
    "fr": {"fr": 72, "en": 24, "es": 1, "de": 1},
    "be": {"fr": 45, "nl": 40, "en": 15},
    "jp": {"ja": 86, "en": 12, "zh": 1, "ko": 1},
    "uk": {"en": 96, "fr": 1, "de": 1},
    "nl": {"nl": 62, "en": 36},
    "es": {"es": 80, "en": 16, "pt": 2},
    "it": {"it": 80, "en": 18},
    "br": {"pt": 88, "en": 10, "es": 2},
    "pl": {"pl": 82, "en": 18},
    "se": {"sv": 70, "en": 30},
    "ca": {"en": 70, "fr": 28},
    "au": {"en": 97},
    "kr": {"ko": 85, "en": 15},
    "tw": {"zh": 85, "en": 15},
    "ua": {"uk": 80, "en": 20},
    "io": {"en": 90, "de": 4, "fr": 3, "ja": 3},  # .io: tech communities, no country
    "me": {"en": 80, "de": 8, "fr": 6, "es": 6},  # .me: personal servers, no country
}
# Share of all accounts per region (generic TLDs host the most, as in the real fediverse).
_REGION_ACCOUNTS = {
    "generic": 44, "de": 13, "jp": 8, "fr": 6, "uk": 5, "nl": 3, "es": 3, "it": 2, "br": 2, "io": 3, "me": 1,
    "pl": 1, "se": 1, "ch": 1, "at": 1, "ca": 1, "au": 1, "be": 0.6, "kr": 0.6, "tw": 0.6, "ua": 0.6,
}
_GENERIC_TLDS = ["social", "social", "social", "online", "xyz", "org", "net", "cloud", "world", "space", "town",
                 "zone", "club", "com", "host"]
# Region code -> TLD written in names (the region is the TLD, but the UK's is .uk and Brazil's .com.br).
_TLD = {"br": "com.br", "uk": "uk", "au": "au"}


def region_of(domain: str) -> str:
    """The region the metric contract gives an instance: its last DNS label if two ASCII letters."""
    label = domain.rstrip(".").rsplit(".", 1)[-1].lower()
    return label if len(label) == 2 and label.isascii() and label.isalpha() else "generic"


def languages_of(domain: str) -> dict[str, float]:
    """The language mix of an instance's users (a region's, or the generic one)."""
    return {**REGION_LANGUAGES.get(region_of(domain), REGION_LANGUAGES["generic"]), **_UNSET}


@dataclass(frozen=True)
class Instance:
    domain: str  # canonical, lower case
    spelling: str  # how its users' URLs spell it (a few in mixed case)
    region: str
    languages: Weighted[str]
    founded_ms: int | None  # None: older than any account that matters
    recorded: bool


@dataclass(frozen=True)
class World:
    instances: list[Instance]
    by_accounts: Weighted[Instance]  # where an account lives

    def get(self, domain: str) -> Instance | None:
        return next((i for i in self.instances if i.domain == domain), None)


def build_world(
    rng: random.Random, *, recorded: tuple[str, ...], count: int, end_ms: int, languages: dict[str, float] | None
) -> World:
    """`count` instances besides the recorded ones. `languages`, when given, replaces every
    region's mix (a data set in one language mix, e.g. for tests)."""
    taken: set[str] = set()

    def make(domain: str, *, founded_ms: int | None = None, is_recorded: bool = False) -> Instance:
        taken.add(domain)
        mix = languages or languages_of(domain)
        spelling = domain.title() if not is_recorded and rng.random() < 0.03 else domain
        return Instance(domain, spelling, region_of(domain), Weighted.of(mix), founded_ms, is_recorded)

    instances = [make(domain, is_recorded=True) for domain in recorded]
    shares = [18.0, 14.0, 10.0][: len(instances)] + [10.0] * max(0, len(instances) - 3)
    if FLAGSHIP not in taken:
        instances.append(make(FLAGSHIP))
        shares.append(60.0)
    if LATE_INSTANCE not in taken:
        instances.append(make(LATE_INSTANCE, founded_ms=end_ms - LATE_DAYS_BEFORE_END * MS_PER_DAY))
        shares.append(30.0)
    regions = Weighted.of(_REGION_ACCOUNTS)
    others: list[tuple[Instance, str]] = []
    while len(others) < count:
        region = regions.draw(rng)
        tld = rng.choice(_GENERIC_TLDS) if region == "generic" else _TLD.get(region, region)
        domain = f"{rng.choice(INSTANCE_PREFIXES)}{syllable_word(rng, INSTANCE_SYLLABLES, 2, 3)}.{tld}"
        if domain not in taken:
            others.append((make(domain), region))
    # Within a region, instance sizes are heavy-tailed; across regions they follow the shares.
    per_region: dict[str, int] = {}
    for instance, region in others:
        rank = per_region[region] = per_region.get(region, 0) + 1
        instances.append(instance)
        shares.append(_REGION_ACCOUNTS[region] * 4 / rank**1.2)
    return World(instances, Weighted(instances, list(itertools.accumulate(shares))))
