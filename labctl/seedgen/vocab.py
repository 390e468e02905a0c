"""The vocabulary of the synthetic fediverse: words, tags and link targets from the shipped
lists (words.py), and invented names for people, emoji and apps.

People's names are made up from syllables, so the recording holds no real person's data.
Popularity is heavy-tailed: each list comes with Zipf weights, so a few tags, domains and
instances dominate, as they do in a real stream.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from labctl.seedgen.words import EVERYWHERE, NEWS, TOPICS, WEEKDAY_TAGS, WORDS, WWW

T = TypeVar("T")

_LATIN = "ka ri mo ten sal vo lu bar nek tis ol an ve dor mi pa sen gru fal ith".split()
_NAME_SYLLABLES = "ka ri mo te sa vo lu ba ne ti o an ve do mi pa se gru fa ith el wen ro ja qui zu".split()
_NAME_SCRIPTS = ["Ææ", "Ññ", "Øø", "Łł", "Åå", "Žž"]  # a few letters outside ASCII, for display names
_APP_NAMES = ["Tootloop", "Trunkline", "Stampede", "Fernpost", "Mammutkit", "Pachyderm Pro"]
_EMOJI_STEMS = "blob cat fox parrot heart sparkle wave tea bread moon leaf rocket duck".split()


@dataclass(frozen=True)
class Weighted(Generic[T]):
    """Items with cumulative weights, for O(log n) draws of a heavy-tailed pick."""

    items: Sequence[T]
    cumulative: Sequence[float]

    @classmethod
    def zipf(cls, items: Sequence[T], exponent: float = 1.0) -> Weighted[T]:
        """Rank r gets weight 1 / r**exponent: the first items dominate."""
        weights = (1.0 / (rank**exponent) for rank in range(1, len(items) + 1))
        return cls(items, list(itertools.accumulate(weights)))

    @classmethod
    def of(cls, weights: dict[T, float]) -> Weighted[T]:
        return cls(list(weights), list(itertools.accumulate(weights.values())))

    def draw(self, rng: random.Random) -> T:
        point = rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_right(self.cumulative, point)]


def syllable_word(rng: random.Random, syllables: Sequence[str], low: int = 1, high: int = 3) -> str:
    return "".join(rng.choice(syllables) for _ in range(rng.randint(low, high)))


def person_name(rng: random.Random) -> str:
    """An invented given name or family name, capitalised."""
    name = syllable_word(rng, _NAME_SYLLABLES, 2, 3)
    if rng.random() < 0.08:
        name += rng.choice(rng.choice(_NAME_SCRIPTS))
    return name.capitalize()


def _distinct(rng: random.Random, count: int, make) -> list[str]:
    """`count` distinct values of make(rng), compared case-insensitively."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        value = make(rng)
        if value.lower() not in seen:
            seen.add(value.lower())
            out.append(value)
    return out


def _link_path(rng: random.Random, host: str) -> str:
    """An invented path in the style of the site: no real article, video or repository is meant."""
    word = lambda low=1, high=3: syllable_word(rng, _LATIN, low, high)  # noqa: E731
    if host in ("youtube.com",):
        return "/watch?v=" + "".join(rng.choice(_ID_CHARS) for _ in range(11))
    if host in ("youtu.be",):
        return "/" + "".join(rng.choice(_ID_CHARS) for _ in range(11))
    if host in ("github.com", "codeberg.org"):
        return f"/{word(2, 3)}/{word(1, 3)}" + rng.choice(["", "", "/issues/" + str(rng.randint(1, 4000)), "/releases"])
    if host == "wikipedia.org":
        return "/wiki/" + "_".join(word(2, 4).capitalize() for _ in range(rng.choice((1, 1, 2))))
    if host == "adventofcode.com":
        return f"/2025/day/{rng.randint(1, 25)}"
    depth = rng.choice((1, 2, 2, 3))
    path = "/" + "/".join(word(1, 4) for _ in range(depth))
    if rng.random() < 0.4:
        path = f"/{word(1, 2)}/2025/{rng.randint(10, 12):02d}/" + "-".join(word(1, 3) for _ in range(rng.randint(3, 6)))
    if rng.random() < 0.15:
        path += f"-{rng.randint(1, 99999)}"
    if rng.random() < 0.1:
        path += ".html"
    return path


_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class LinkDomain:
    host: str  # canonical: lower case, no "www." (wikipedia.org takes the language as a subdomain)
    www: bool  # whether authors usually write it with "www."
    paths: Weighted[str]


@dataclass(frozen=True)
class Topic:
    name: str
    tags: dict[str, Weighted[str]]  # language -> its tags and the shared ones
    domains: Weighted[LinkDomain]
    weekday_tags: dict[int, str]


@dataclass(frozen=True)
class Lexicon:
    """The vocabulary one generated data set draws from."""

    words: dict[str, tuple[Weighted[str], str]]  # language -> (words, joiner)
    topics: Weighted[Topic]
    topic: dict[str, Topic]
    news: dict[str, Weighted[LinkDomain]]  # language -> news sites
    everywhere: Weighted[LinkDomain]
    emojis: Weighted[str]  # custom emoji shortcodes (case matters: blob and Blob differ)
    apps: list[str]

    @classmethod
    def build(cls, rng: random.Random) -> Lexicon:
        words = {lang: (Weighted.zipf(text.split(), 0.9), joiner) for lang, (text, joiner) in WORDS.items()}
        domains: dict[str, LinkDomain] = {}

        def domain(host: str) -> LinkDomain:
            if host not in domains:
                paths = [_link_path(rng, host) for _ in range(rng.randint(5, 60))]
                domains[host] = LinkDomain(host, host in WWW, Weighted.zipf(paths, 1.1))
            return domains[host]

        topics = {}
        for name, spec in TOPICS.items():
            shared = spec["tags"].get("*", [])
            tags = {lang: Weighted.zipf(list(dict.fromkeys(own + shared)), 1.0)
                    for lang, own in spec["tags"].items() if lang != "*"}
            tags["*"] = Weighted.zipf(shared or next(iter(spec["tags"].values())), 1.0)
            topics[name] = Topic(name, tags, Weighted.zipf([domain(h) for h in spec["domains"]], 1.0),
                                 WEEKDAY_TAGS.get(name, {}))
        news = {lang: Weighted.zipf([domain(h) for h in hosts], 1.0) for lang, hosts in NEWS.items()}
        everywhere = Weighted.zipf([domain(h) for h in EVERYWHERE], 1.0)
        shortcodes = _distinct(rng, 240, lambda r: f"{r.choice(_EMOJI_STEMS)}_{syllable_word(r, _LATIN, 1, 2)}")
        shortcodes[5] = shortcodes[3].capitalize()  # differs from [3] only by case, as on real servers
        return cls(
            words=words,
            topics=Weighted(list(topics.values()), list(itertools.accumulate(s["weight"] for s in TOPICS.values()))),
            topic=topics,
            news=news,
            everywhere=everywhere,
            emojis=Weighted.zipf(shortcodes),
            apps=list(_APP_NAMES),
        )

    def text(self, rng: random.Random, language: str, n_words: int) -> str:
        vocabulary, joiner = self.words.get(language, self.words["en"])
        return joiner.join(vocabulary.draw(rng) for _ in range(n_words))
