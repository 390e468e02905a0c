"""Status entities: originals with their HTML content and attachments, and boosts wrapping them.

Alongside each entity the composer keeps `Facts`: what the metric contract
must find in the status (canonical links, lower-cased tags, mention handles,
...), known from the choices made while writing it rather than by parsing it
back. That gives tests an expectation that is independent of any parser.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from labctl.seedgen import markup
from labctl.seedgen.accounts import Account, AccountTable, Snapshot, custom_emoji, snapshot
from labctl.seedgen.config import EdgeRates
from labctl.seedgen.accounts import hash_code
from labctl.seedgen.ids import MS_PER_DAY, id_path, iso_ms, snowflake
from labctl.seedgen.vocab import Lexicon, LinkDomain, Topic, Weighted, syllable_word
from labctl.seedgen.world import World

_SEPARATORS = ["\u2028", "\u2029", "\u0085"]
_MEDIA_TYPES = Weighted.of({"image": 82, "video": 7, "gifv": 5, "audio": 3, "unknown": 3})
# Topics whose posts mostly carry pictures, and what they attach instead of an image when they don't.
_MEDIA_SHARE = {"photography": 0.85, "cats": 0.75, "art": 0.8, "nature": 0.5, "food": 0.5, "gaming": 0.35,
                "music": 0.25}
_MEDIA_BY_TOPIC = {"music": Weighted.of({"audio": 45, "image": 40, "video": 15}),
                   "gaming": Weighted.of({"video": 40, "gifv": 25, "image": 35})}
# A story: pictures draw more interactions than text alone, videos the most, audio less.
_MEDIA_PULL = {"image": 1.8, "video": 3.5, "gifv": 1.2, "audio": 0.6, "unknown": 1.0}
_MEDIA_DEFAULT_SHARE = 0.1
_FLAVOURS = ["&", "<3", "it's", '"quoted"', "a>b", "½", "→", "🐘", "😀👍🏽", "e\u0301", "\u200b"]
_CW = ["spoilers", "food", "politics", "eye contact", "long post", "lewd-ish joke", "mental health"]
_CARD_TYPES = Weighted.of({"link": 85, "video": 8, "photo": 4, "rich": 3})
_LONG_POST_WORDS = 2_400  # about 12,000 characters: remote servers allow far more than 500


@dataclass(frozen=True, slots=True)
class Facts:
    """What the metric contract reads from one original status."""

    key: str  # uri, or id when the status has none
    handle: str
    language: str  # "und" for a null or empty language
    urls: tuple[str, ...]  # distinct, normalised (scheme and host lower-cased, no www., no fragment)
    domains: tuple[str, ...]
    tags: tuple[str, ...]  # distinct, lower-cased
    mentions: tuple[str, ...]  # distinct handles
    emojis: tuple[str, ...]  # distinct shortcodes
    media_types: tuple[str, ...]  # one per attachment


@dataclass(slots=True)
class Original:
    """An original status; observed on its own line and/or inside boosts, counters varying."""

    entity: dict[str, Any]
    facts: Facts
    id: str
    created_ms: int
    author: Account
    snapshot: Snapshot
    saturation: tuple[int, int, int]  # replies, reblogs, favourites it tends to
    visible: bool = True  # on the timeline itself, or only seen boosted / replied to
    boosters: set[int] = field(default_factory=set)
    emitted: bool = False

    def observed(self, at_ms: int, rng: random.Random) -> tuple[dict[str, Any], tuple[int, int, int]]:
        """The entity as fetched at `at_ms`: counters grow with age, and wobble (unfavourites)."""
        share = 1.0 - math.exp(-(max(0, at_ms - self.created_ms) + 600_000) / 3_600_000)
        replies, reblogs, favourites = (
            max(0, round(top * share) + rng.choice((-1, 0, 0, 0, 1))) for top in self.saturation
        )
        reblogs = max(reblogs, len(self.boosters))  # at least the boosts this recording shows
        entity = dict(self.entity)
        entity["replies_count"], entity["reblogs_count"], entity["favourites_count"] = replies, reblogs, favourites
        return entity, (replies, reblogs, favourites)


@dataclass(frozen=True, slots=True)
class Boost:
    entity: dict[str, Any]
    key: str
    booster: Account
    snapshot: Snapshot
    id: str
    created_ms: int


@dataclass
class _Draft:
    """Content being written: HTML lines per paragraph, plus entities and facts."""

    blocks: list[list[list[str]]] = field(default_factory=lambda: [[[]]])
    mentions: dict[str, dict[str, Any]] = field(default_factory=dict)  # handle -> Mention
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower name -> Tag
    emojis: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)  # hrefs as written
    urls: dict[str, str] = field(default_factory=dict)  # canonical url -> domain

    def add(self, html: str) -> None:
        self.blocks[-1][-1].append(html)

    def html(self) -> str:
        return markup.paragraphs((" ".join(line) for line in block if line) for block in self.blocks if any(block))


class Composer:
    """Writes statuses for one generated data set."""

    def __init__(
        self, rng: random.Random, lexicon: Lexicon, table: AccountTable, world: World, *,
        end_ms: int, languages: Weighted[str] | None, edges: EdgeRates,
    ) -> None:  # fmt: skip
        self.rng, self.lexicon, self.table, self.world = rng, lexicon, table, world
        self.end_ms, self.edges = end_ms, edges
        self.languages = {i.domain: languages or i.languages for i in world.instances}

    # -- originals ------------------------------------------------------------------------------

    def original(
        self, *, ms: int, low: int, author: Account, visible: bool, reply_to: Original | None = None,
        boosted: bool = False,
    ) -> Original:  # fmt: skip
        rng, edges = self.rng, self.edges
        status_id = snowflake(ms, low)  # each recording gives it its own id (localize)
        uri, url = self._locations(author, ms, low)
        language_key = author.language if rng.random() < 0.7 else self.languages[author.host].draw(rng)
        language = {"null": None, "empty": ""}.get(language_key, language_key)
        written = language or (author.language if author.language not in ("null", "empty") else "en")
        topic = self._topic(author, ms)
        draft = self._write(author, written, reply_to, topic, ms)
        media = self._media(ms, author, topic) if rng.random() < _MEDIA_SHARE.get(topic.name, _MEDIA_DEFAULT_SHARE) else []
        poll = self._poll(ms, language or "en") if not media and rng.random() < 0.02 else None
        spoiler = rng.choice(_CW) if rng.random() < 0.06 else ""
        edited_at = iso_ms(min(self.end_ms, ms + rng.randint(5_000, 1_200_000))) if rng.random() < 0.04 else None
        snap = self._snapshot(author, ms)
        entity: dict[str, Any] = {
            "id": status_id,
            "created_at": iso_ms(ms),
            "in_reply_to_id": reply_to.id if reply_to else None,
            "in_reply_to_account_id": reply_to.author.id if reply_to else None,
            "sensitive": bool(spoiler) or (bool(media) and rng.random() < 0.1),
            "spoiler_text": self._maybe_separated(spoiler),
            "visibility": "public" if visible else "unlisted",
            "language": language,
            "uri": uri,
            "url": url,
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": edited_at,
            "content": draft.html(),
            "reblog": None,
        }
        if author.local and rng.random() < 0.85:  # Mastodon shows the app only for its own users' posts
            entity["application"] = self._application()
        entity.update(
            account=snap.entity,
            media_attachments=media,
            mentions=list(draft.mentions.values()),
            tags=self._tags_entity(draft),
            emojis=list(draft.emojis.values()),
            card=self._card(draft.links[0], language, author.host) if draft.links and rng.random() < 0.5 else None,
            poll=poll,
        )
        if rng.random() < edges.missing_optional:  # older servers and proxies leave keys out altogether
            for optional in rng.sample(["card", "poll", "language"], rng.randint(1, 3)):
                del entity[optional]
        key = uri
        if rng.random() < edges.missing_uri:
            del entity["uri"]
            key = status_id
        facts = Facts(
            key=key,
            handle=author.handle,
            language=entity.get("language") or "und",
            urls=tuple(draft.urls),
            domains=tuple(dict.fromkeys(draft.urls.values())),
            tags=tuple(draft.tags),
            mentions=tuple(draft.mentions),
            emojis=tuple(draft.emojis),
            media_types=tuple(m["type"] for m in media),
        )
        pull = _MEDIA_PULL[media[0]["type"]] if media else 1.0
        return Original(entity, facts, status_id, ms, author, snap, self._saturation(author, boosted, pull), visible)

    def _snapshot(self, account: Account, ms: int) -> Snapshot:
        snap = snapshot(account, ms, self.end_ms, self.rng)
        if account.local and self.rng.random() < self.edges.local_url_mixed_case:
            snap.entity["url"] = f"https://{account.host.title()}/@{account.username}"
        return snap

    def _locations(self, author: Account, ms: int, low: int) -> tuple[str, str]:
        home_id = snowflake(ms, low ^ host_key(author.host))  # the author's server numbers the status itself
        return f"{author.uri}/statuses/{home_id}", f"{author.profile_url}/{home_id}"

    def _saturation(self, author: Account, boosted: bool, pull: float = 1.0) -> tuple[int, int, int]:
        reach = 1.0 + math.sqrt(max(author.followers, 0)) / 8
        favourites = int((self.rng.paretovariate(1.4) - 1) * reach * pull * (4 if boosted else 1))
        return (
            int(favourites * self.rng.uniform(0.0, 0.4)),
            max(int(favourites * self.rng.uniform(0.0, 0.5)), 1 if boosted else 0),
            favourites,
        )

    # -- content --------------------------------------------------------------------------------

    def _topic(self, author: Account, ms: int) -> Topic:
        """What a post is about: mostly the author's interests, with the calendar's stories."""
        rng, topics = self.rng, self.lexicon.topic
        day = time.gmtime(ms // 1000)
        if day.tm_mon == 12 and day.tm_mday <= 25 and rng.random() < (0.35 if "tech" in author.interests else 0.03):
            return topics["adventofcode"]  # the puzzles' season: a topic that rises in one month
        if day.tm_wday == 5 and rng.random() < 0.06:
            return topics["cats"]  # caturday
        if rng.random() < 0.75:
            return topics[rng.choice(author.interests)]
        return self.lexicon.topics.draw(rng)

    def _write(self, author: Account, language: str, reply_to: Original | None, topic: Topic, ms: int) -> _Draft:
        rng, draft = self.rng, _Draft()
        self._language, self._topic_now = language, topic
        self._weekday_tag = topic.weekday_tags.get(time.gmtime(ms // 1000).tm_wday)
        if reply_to is not None and reply_to.author.index != author.index:
            self._mention(draft, reply_to.author)
        for _ in range(rng.choices((0, 1, 2, 3), (85, 10, 4, 1))[0]):
            self._mention(draft, self._mention_target())
        long_post = rng.random() < self.edges.long_post
        n_words = _LONG_POST_WORDS if long_post else min(int(rng.lognormvariate(2.8, 0.8)) + 1, 110)
        n_tags = rng.choices((0, 1, 2, 3, 4, 6, 9, 12), (45, 24, 12, 8, 5, 3.5, 1.5, 0.5))[0]
        if self._weekday_tag and n_tags == 0 and rng.random() < 0.6:
            n_tags = 1
        n_links = rng.choices((0, 1, 2, 3), (80, 15, 4, 1))[0]
        n_emojis = rng.choices((0, 1, 2, 3), (92, 5, 2, 1))[0]
        inline_tags = n_tags if rng.random() < 0.5 else rng.randint(0, n_tags)
        n_breaks = rng.choice((0, 0, 1, 2, 3)) + n_words // 60
        kinds = ["tag"] * inline_tags + ["link"] * n_links + ["emoji"] * n_emojis + ["break"] * n_breaks
        # Each entity or line break lands between two words; the words between them are plain text.
        events = sorted((rng.randrange(n_words + 1), i, kind) for i, kind in enumerate(rng.sample(kinds, len(kinds))))
        vocabulary, joiner = self.lexicon.words.get(language, self.lexicon.words["en"])
        words = rng.choices(vocabulary.items, cum_weights=vocabulary.cumulative, k=n_words)
        for _ in range(n_words // 50 + (rng.random() < 0.2)):  # punctuation and characters to escape
            words[rng.randrange(n_words)] = rng.choice(_FLAVOURS)
        done = 0
        for position, _, kind in events:
            self._text(draft, words[done:position], joiner)
            done = position
            if kind == "break":
                self._break(draft)
            else:
                self._entity(draft, author, kind)
        self._text(draft, words[done:], joiner)
        if n_tags > inline_tags:  # hashtags gathered in a closing paragraph, a common habit
            draft.blocks.append([[]])
            for _ in range(n_tags - inline_tags):
                self._entity(draft, author, "tag")
        return draft

    def _text(self, draft: _Draft, words: list[str], joiner: str) -> None:
        if words:
            draft.add(markup.escape(self._maybe_separated(joiner.join(words))))

    def _break(self, draft: _Draft) -> None:
        if self.rng.random() < 0.5:
            draft.blocks[-1].append([])  # <br />
        else:
            draft.blocks.append([[]])  # new <p>

    def _maybe_separated(self, text: str) -> str:
        """Now and then a Unicode line separator inside the text: a trap for line-based readers."""
        if text and self.rng.random() < self.edges.line_separator:
            cut = self.rng.randrange(len(text) + 1)
            return text[:cut] + self.rng.choice(_SEPARATORS) + text[cut:]
        return text

    def _entity(self, draft: _Draft, author: Account, kind: str) -> None:
        if kind == "tag":
            self._hashtag(draft, author)
        elif kind == "link":
            self._link(draft)
            if self.rng.random() < self.edges.duplicate_link:
                draft.add(markup.link(draft.links[-1]))
                draft.links.append(draft.links[-1])
        else:
            shortcode = self.lexicon.emojis.draw(self.rng)
            draft.add(f":{shortcode}:")
            draft.emojis.setdefault(shortcode, custom_emoji(shortcode, author.host))

    def _mention_target(self) -> Account | tuple[str, str]:
        if self.rng.random() < 0.1:  # someone this server knows of but who never posts here
            host = self.world.by_accounts.draw(self.rng).spelling
            return syllable_word(self.rng, "ka ri mo te sa vo lu ba ne".split(), 2, 4), host
        return self.table.by_popularity.draw(self.rng)

    def _mention(self, draft: _Draft, target: Account | tuple[str, str]) -> None:
        if isinstance(target, Account):
            username, acct, url, mention_id = target.username, target.head["acct"], target.profile_url, target.id
            handle = target.handle
        else:
            username, host = target
            acct, url = f"{username}@{host}", f"https://{host}/@{username}"
            mention_id = snowflake(self.end_ms - self.rng.randrange(400 * MS_PER_DAY), self.rng.getrandbits(16))
            handle = acct.lower()
        draft.add(markup.mention(url, username))
        draft.mentions.setdefault(handle, {"id": mention_id, "username": username, "url": url, "acct": acct})

    def _hashtag(self, draft: _Draft, author: Account) -> None:
        rng, topic = self.rng, self._topic_now
        if self._weekday_tag and not draft.tags and rng.random() < 0.8:
            canonical = self._weekday_tag
        else:
            if rng.random() < 0.1:  # now and then a tag of another topic
                topic = self.lexicon.topics.draw(rng)
            canonical = topic.tags.get(self._language, topic.tags["*"]).draw(rng)
        typed = _case_variant(rng, canonical)
        draft.add(markup.hashtag(f"https://{author.host}/tags/{typed}", typed))
        draft.tags.setdefault(typed.lower(), {"name": typed, "url": f"https://{author.host}/tags/{typed.lower()}"})

    def _tags_entity(self, draft: _Draft) -> list[dict[str, Any]]:
        tags = list(draft.tags.values())
        if tags and self.rng.random() < self.edges.tag_case_duplicate:
            first = tags[0]
            variant = first["name"].swapcase()
            if variant != first["name"] and variant.lower() == first["name"].lower():
                tags.append({"name": variant, "url": first["url"]})
        return tags

    def _link(self, draft: _Draft) -> None:
        rng, edges = self.rng, self.edges
        domain = self._link_domain()
        path = domain.paths.draw(rng)
        query = ""
        if "?" not in path and rng.random() < 0.1:
            query = f"?id={rng.randint(1, 500)}&lang={rng.choice(['en', 'de'])}"
        scheme = "https" if rng.random() < 0.96 else "http"
        canonical = domain.host
        if canonical == "wikipedia.org":  # each language has its own Wikipedia
            canonical = f"{self._language if self._language in ('en', 'de', 'fr', 'es', 'it', 'ja', 'nl', 'pt', 'pl', 'sv', 'uk') else 'en'}.wikipedia.org"
        host = ("www." if domain.www or rng.random() < 0.05 else "") + canonical
        if rng.random() < edges.link_mixed_case_host:
            host = host.upper() if rng.random() < 0.3 else host.title()
        fragment = f"#{syllable_word(rng, ['sec', 'tion', 'top', 'note'], 1, 2)}" if rng.random() < edges.link_fragment else ""
        href = f"{scheme}://{host}{path}{query}{fragment}"
        draft.add(markup.link(href))
        draft.links.append(href)
        draft.urls.setdefault(f"{scheme}://{canonical}{path}{query}", canonical)

    def _link_domain(self) -> LinkDomain:
        roll = self.rng.random()
        if roll < 0.55:
            return self._topic_now.domains.draw(self.rng)
        if roll < 0.8:
            return self.lexicon.news.get(self._language, self.lexicon.news["en"]).draw(self.rng)
        return self.lexicon.everywhere.draw(self.rng)

    # -- attachments ----------------------------------------------------------------------------

    def _application(self) -> dict[str, Any]:
        if self.rng.random() < 0.5:
            return {"name": "Web", "website": None}
        name = self.rng.choice(self.lexicon.apps)
        return {"name": name, "website": f"https://{name.lower().replace(' ', '-')}.example"}

    def _media(self, ms: int, author: Account, topic: Topic) -> list[dict[str, Any]]:
        rng = self.rng
        first = _MEDIA_BY_TOPIC.get(topic.name, _MEDIA_TYPES).draw(rng)
        count = rng.choices((1, 2, 3, 4), (70, 12, 8, 10))[0] if first == "image" else 1
        kinds = [first] + ["image" if rng.random() < 0.95 else "unknown" for _ in range(count - 1)]
        if author.local:  # "unknown" is a remote file this server could not process; local uploads are checked
            kinds = ["image" if kind == "unknown" else kind for kind in kinds]
        return [self._attachment(kind, snowflake(ms, i), author) for i, kind in enumerate(kinds)]

    def _attachment(self, kind: str, media_id: str, author: Account) -> dict[str, Any]:
        rng = self.rng
        cache = "" if author.local else "cache/"
        base = f"https://files.{author.host}/{cache}media_attachments/files/{id_path(media_id)}"
        extension = {"image": "jpg", "video": "mp4", "gifv": "mp4", "audio": "mp3", "unknown": "bin"}[kind]
        remote = None if author.local else f"https://files.{author.host.lower()}/media/{media_id}.{extension}"
        description = None
        if rng.random() < 0.45:
            description = self._maybe_separated(self.lexicon.text(rng, author.language, rng.randint(3, 25)))
        return {
            "id": media_id,
            "type": kind,
            "url": remote if kind == "unknown" else f"{base}/original/{media_id[-8:]}.{extension}",
            "preview_url": None if kind in ("audio", "unknown") else f"{base}/small/{media_id[-8:]}.png",
            "remote_url": remote,
            "preview_remote_url": None,
            "meta": _media_meta(rng, kind),
            "description": description,
            "blurhash": None if kind in ("audio", "unknown") else _blurhash(rng),
        }

    def _poll(self, ms: int, language: str) -> dict[str, Any]:
        rng = self.rng
        multiple = rng.random() < 0.3
        votes = [int(rng.paretovariate(1.2)) - 1 for _ in range(rng.randint(2, 4))]
        expires_ms = ms + rng.choice((5 * 60_000, 3_600_000, MS_PER_DAY, 3 * MS_PER_DAY))
        return {
            "id": str(ms % 100_000_000_000),  # polls are numbered apart from statuses
            "expires_at": iso_ms(expires_ms),
            "expired": expires_ms <= self.end_ms,
            "multiple": multiple,
            "votes_count": sum(votes),
            "voters_count": max(votes, default=0) if multiple else None,
            "options": [
                {"title": self.lexicon.text(rng, language, rng.randint(1, 4)), "votes_count": v} for v in votes
            ],
            "emojis": [],
        }

    def _card(self, href: str, language: str | None, host: str) -> dict[str, Any]:
        rng = self.rng
        kind = _CARD_TYPES.draw(rng)
        text_language = language or "en"
        image = None
        if rng.random() < 0.7:
            image = f"https://files.{host}/cache/preview_cards/images/{rng.getrandbits(40):012x}/original.jpg"
        return {
            "url": href,
            "title": self.lexicon.text(rng, text_language, rng.randint(2, 10)),
            "description": self._maybe_separated(self.lexicon.text(rng, text_language, rng.randint(0, 30))),
            "language": language,
            "type": kind,
            "author_name": "",
            "author_url": "",
            "provider_name": "",
            "provider_url": "",
            "html": "" if kind != "video" else '<iframe src="https://video.example/embed/1" width="480" height="270"></iframe>',
            "width": 400 if image else 0,
            "height": 225 if image else 0,
            "image": image,
            "image_description": "",
            "embed_url": "",
            "blurhash": _blurhash(rng) if image else None,
            "published_at": None,
            "authors": [],
        }

    # -- boosts ---------------------------------------------------------------------------------

    def boost(
        self, *, ms: int, low: int, booster: Account, original: Original, lag_ms: int
    ) -> tuple[Boost, tuple[int, int, int]]:
        """A boost of `original` by `booster`, embedding the original as fetched `lag_ms` later."""
        boost_id = snowflake(ms, low)  # each recording gives it its own id (localize)
        activity_id = snowflake(ms, low ^ host_key(booster.host))
        uri = f"{booster.uri}/statuses/{activity_id}/activity"
        snap = self._snapshot(booster, ms)
        embedded, counts = original.observed(ms + lag_ms, self.rng)
        entity = {
            "id": boost_id,
            "created_at": iso_ms(ms),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": None,
            "uri": uri,
            "url": uri if booster.local else None,
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "content": "",
            "reblog": embedded,
            "account": snap.entity,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }
        return Boost(entity, uri, booster, snap, boost_id, ms), counts


def _case_variant(rng: random.Random, canonical: str) -> str:
    """How an author happens to type a tag; always equal to `canonical` once lower-cased."""
    roll = rng.random()
    variant = canonical
    if roll < 0.25:
        variant = canonical.lower()
    elif roll < 0.33:
        variant = canonical.upper()
    elif roll < 0.36:
        variant = canonical.swapcase()
    return variant if variant.lower() == canonical.lower() else canonical


def _blurhash(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
    return "U" + "".join(rng.choice(alphabet) for _ in range(27))


def _media_meta(rng: random.Random, kind: str) -> dict[str, Any] | None:
    if kind == "unknown":
        return None
    if kind == "audio":
        seconds = round(rng.uniform(5, 900), 2)
        return {
            "length": _duration(seconds),
            "duration": seconds,
            "audio_encode": "mp3",
            "audio_bitrate": "44100 Hz",
            "audio_channels": "stereo",
            "original": {"duration": seconds, "bitrate": 128_000},
        }
    width, height = rng.choice(((1280, 720), (1920, 1080), (1080, 1350), (800, 600), (640, 640), (3024, 4032)))
    small_w = 640 if width >= height else int(640 * width / height)
    small_h = int(small_w * height / width)
    original = {"width": width, "height": height, "size": f"{width}x{height}", "aspect": round(width / height, 6)}
    small = {"width": small_w, "height": small_h, "size": f"{small_w}x{small_h}", "aspect": round(width / height, 6)}
    if kind == "image":
        return {"original": original, "small": small, "focus": {"x": round(rng.uniform(-1, 1), 2), "y": 0.0}}
    seconds = round(rng.uniform(1, 240), 2)
    original.update({"frame_rate": "30/1", "duration": seconds, "bitrate": rng.randint(200_000, 4_000_000)})
    return {
        "length": _duration(seconds),
        "duration": seconds,
        "fps": 30,
        "size": f"{width}x{height}",
        "width": width,
        "height": height,
        "aspect": round(width / height, 6),
        "audio_encode": None if kind == "gifv" else "aac (LC) (mp4a / 0x6134706D)",
        "audio_bitrate": None if kind == "gifv" else "44100 Hz",
        "audio_channels": None if kind == "gifv" else "stereo",
        "original": original,
        "small": small,
    }


def _duration(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{int(round(seconds % 1 * 100)) % 100:02d}"


def host_key(host: str) -> int:
    """The low id bits one server mixes in: the same status has another id on each server."""
    return hash_code(host.lower()) & 0xFFFF


def _local_id(status_id: str | None, host: str) -> str | None:
    if status_id is None:
        return None
    value = int(status_id)
    return str(value ^ host_key(host))


def localize(entity: dict[str, Any], instance: str) -> dict[str, Any]:
    """A status (or boost) as the recorded `instance` serves it: its own ids, `acct` bare for
    its own users and user@host for the others, and the fields Mastodon shows only for its own
    users (`noindex`, `roles`, the posting `application`) only for them."""
    status = dict(entity)
    status["id"] = _local_id(status["id"], instance)
    status["in_reply_to_id"] = _local_id(status["in_reply_to_id"], instance)
    account = dict(status["account"])
    home = account["uri"].split("/")[2]
    own = home == instance
    if own:
        account["acct"] = account["username"]
    elif "@" not in account["acct"]:
        account["acct"] = f"{account['username']}@{account['url'].split('/')[2]}"
    if not own:
        account.pop("noindex", None)
        account.pop("roles", None)
        status.pop("application", None)
    status["account"] = account
    if status["mentions"]:
        status["mentions"] = [_localize_mention(m, instance) for m in status["mentions"]]
    if status.get("reblog"):
        status["reblog"] = localize(status["reblog"], instance)
    return status


def _localize_mention(mention: dict[str, Any], instance: str) -> dict[str, Any]:
    host = mention["url"].split("/")[2]
    acct = mention["username"] if host.lower() == instance else f"{mention['username']}@{host}"
    return mention if acct == mention["acct"] else {**mention, "acct": acct}
