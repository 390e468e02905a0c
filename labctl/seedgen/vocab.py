"""The invented vocabulary of the synthetic fediverse: words, names, hosts, tags, domains.

Everything is made up from syllables so that the recording holds no real
person's data, and every host lives under the reserved `.example` / `.test`
top-level domains (RFC 2606). Popularity is heavy-tailed: each list comes
with Zipf weights, so a few tags, domains and instances dominate, as they do
in a real stream.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Syllables per language; CJK scripts are written without spaces between words.
_LATIN = "ka ri mo ten sal vo lu bar nek tis ol an ve dor mi pa sen gru fal ith".split()
_SYLLABLES: dict[str, tuple[list[str], str]] = {
    "en": (_LATIN + "the ing ow ark ly wh sh ay".split(), " "),
    "de": (_LATIN + "sch ür ein ß ö ä ung ber".split(), " "),
    "fr": (_LATIN + "é è eau oi ç qu ien".split(), " "),
    "es": (_LATIN + "ñ ci ón ll ía qué".split(), " "),
    "pt": (_LATIN + "ão ç nh lh õe".split(), " "),
    "it": (_LATIN + "gli zz cc ò chi".split(), " "),
    "nl": (_LATIN + "ij oe ui sch aa".split(), " "),
    "pl": (_LATIN + "ł ż ś cz rz ę".split(), " "),
    "sv": (_LATIN + "å ä ö sj".split(), " "),
    "uk": ("ка ри мо тен сал во лу бар ні ї є ть".split(), " "),
    "ja": (list("のにをはがとでもかしたてすいるれ") + list("日本語時間東京雨桜猫"), ""),
    "zh": (list("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年"), ""),
    "ko": (list("가나다라마바사아자차카타파하는을를이에의고서"), " "),
    "ar": (list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي"), " "),
    "he": (list("אבגדהוזחטיכלמנסעפצקרשת"), " "),
}
_NAME_SYLLABLES = "ka ri mo te sa vo lu ba ne ti o an ve do mi pa se gru fa ith el wen ro ja qui zu".split()
_NAME_SCRIPTS = ["Ææ", "Ññ", "Øø", "Łł", "Åå", "Žž"]  # a few letters outside ASCII, for display names
_TLDS = ["example", "test", "social.example", "example.net", "example.org", "club.test"]
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


def _hostname(rng: random.Random) -> str:
    return f"{syllable_word(rng, _NAME_SYLLABLES, 2, 3)}.{rng.choice(_TLDS)}"


def _camel_tag(rng: random.Random) -> str:
    parts = [syllable_word(rng, _LATIN, 1, 2) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
    return "".join(p.capitalize() for p in parts) if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class LinkDomain:
    host: str  # canonical: lower case, no "www."
    www: bool  # whether authors usually write it with "www."
    paths: Weighted[str]


@dataclass(frozen=True)
class Lexicon:
    """The vocabulary one generated data set draws from."""

    words: dict[str, tuple[Weighted[str], str]]  # language -> (words, joiner)
    hosts: Weighted[str]  # remote instances; a few spelled in mixed case
    tags: Weighted[str]  # canonical tag spellings (some CamelCase, some non-ASCII)
    domains: Weighted[LinkDomain]
    emojis: Weighted[str]  # custom emoji shortcodes (case matters: blob and Blob differ)
    apps: list[str]

    @classmethod
    def build(cls, rng: random.Random, *, remote_hosts: int, tags: int, domains: int) -> Lexicon:
        words = {
            lang: (Weighted.zipf(_distinct(rng, 500, lambda r, s=syl: syllable_word(r, s))), joiner)
            for lang, (syl, joiner) in _SYLLABLES.items()
        }
        hosts = _distinct(rng, remote_hosts, _hostname)
        # Some instances are known under a mixed-case spelling of their host.
        hosts = [h.title() if rng.random() < 0.03 else h for h in hosts]
        tag_names = _distinct(rng, tags, _camel_tag)
        for i in range(7, len(tag_names), 97):  # a sprinkling of tags outside ASCII
            tag_names[i] = tag_names[i] + rng.choice(["é", "ö", "日本", "ñ", "ß"])
        domain_list = [
            LinkDomain(host, rng.random() < 0.3, Weighted.zipf([_link_path(rng) for _ in range(rng.randint(3, 40))]))
            for host in _distinct(rng, domains, _hostname)
        ]
        shortcodes = _distinct(rng, 240, lambda r: f"{r.choice(_EMOJI_STEMS)}_{syllable_word(r, _LATIN, 1, 2)}")
        shortcodes[5] = shortcodes[3].capitalize()  # differs from [3] only by case, as on real servers
        return cls(
            words=words,
            hosts=Weighted.zipf(hosts, 1.1),
            tags=Weighted.zipf(tag_names, 1.05),
            domains=Weighted.zipf(domain_list, 1.1),
            emojis=Weighted.zipf(shortcodes),
            apps=list(_APP_NAMES),
        )

    def text(self, rng: random.Random, language: str, n_words: int) -> str:
        vocabulary, joiner = self.words.get(language, self.words["en"])
        return joiner.join(vocabulary.draw(rng) for _ in range(n_words))


def _link_path(rng: random.Random) -> str:
    depth = rng.choice((1, 2, 2, 3, 4))
    path = "/" + "/".join(syllable_word(rng, _LATIN, 1, 4) for _ in range(depth))
    if rng.random() < 0.15:
        path += f"-{rng.randint(1, 99999)}"
    if rng.random() < 0.1:
        path += ".html"
    return path
