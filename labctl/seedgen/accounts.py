"""The account table: who posts, as Mastodon's Account entity shows them.

The table is the only part of a generation held in memory. Each account keeps
its static fields pre-built in serializer order; counters (followers,
following, statuses) drift over time, so two statuses by one account carry
different snapshots, as they do in a real recording.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from labctl.seedgen import markup
from labctl.seedgen.ids import MS_PER_DAY, epoch_ms, id_path, iso_day, iso_ms, midnight_ms, snowflake
from labctl.seedgen.vocab import Lexicon, Weighted, person_name, syllable_word
from labctl.seedgen.world import Instance, World

_LAUNCH_MS = epoch_ms(date(2016, 3, 16))  # the first Mastodon accounts
_SNOWFLAKE_ERA_MS = epoch_ms(date(2018, 1, 1))  # older accounts have small ids
# Sign-ups per year, with the waves of 2017 and of November 2022.
_YEAR_WEIGHTS = {
    2016: 2, 2017: 8, 2018: 5, 2019: 4, 2020: 5, 2021: 4, 2022: 25, 2023: 20, 2024: 12, 2025: 12, 2026: 3,
}  # fmt: skip
_FIELD_NAMES = ["Website", "Pronouns", "Location", "Blog", "Languages", "Matrix", "Pronomen", "Site"]
_EMOJI_CHARS = ["🦊", "🐘", "🌱", "✨", "🏳️‍🌈", "☕", "🎧", "👩🏽‍💻", "🇪🇺", "🐈‍⬛"]
_SEPARATORS = ["\u2028", "\u2029", "\u0085"]


@dataclass(frozen=True, slots=True)
class Account:
    index: int
    id: str
    username: str
    local: bool  # on a recorded instance: it carries noindex, roles and the app used, as Mastodon does for its own users
    handle: str  # the metric contract's key: user@host, lower-cased
    acct_remote: str  # how other instances write it: user@host as the home spells it
    profile_url: str
    uri: str  # ActivityPub actor id; statuses live under it
    created_ms: int
    language: str  # the language the account mostly writes in (a key of the language mix)
    interests: tuple[str, ...]  # topics it posts about most
    head: dict[str, Any]  # id .. header_static: never changes
    tail: dict[str, Any]  # hide_collections .. fields: never changes
    followers: int  # at the end of the recording
    followers_per_day: float
    following: int
    statuses: int  # at the end of the recording
    statuses_per_day: float
    hides_followers: bool

    @property
    def created_month(self) -> str:
        return iso_ms(self.created_ms)[:7]

    @property
    def host(self) -> str:
        return self.handle.partition("@")[2]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An account as one status shows it: the fields the followers metric reads."""

    entity: dict[str, Any]
    followers: int
    following: int
    statuses: int


def snapshot(account: Account, at_ms: int, end_ms: int, rng: random.Random) -> Snapshot:
    """The Account entity at time `at_ms`: counters drift back from their end value, with jitter."""
    days_before_end = (end_ms - at_ms) / MS_PER_DAY
    # Jitter (unfollows, deleted posts) keeps counters from growing monotonically, so the
    # latest observation is not simply the largest one.
    followers = max(0, account.followers - int(account.followers_per_day * days_before_end) + rng.randint(-2, 2))
    statuses = max(1, account.statuses - int(account.statuses_per_day * days_before_end) + rng.randint(-1, 1))
    shown_followers = -1 if account.hides_followers else followers
    entity = dict(account.head)
    entity["followers_count"] = shown_followers
    entity["following_count"] = account.following
    entity["statuses_count"] = statuses
    entity["last_status_at"] = iso_day(at_ms)
    entity.update(account.tail)
    return Snapshot(entity, shown_followers, account.following, statuses)


@dataclass(frozen=True)
class AccountTable:
    accounts: list[Account]
    by_activity: Weighted[Account]  # who posts: a few accounts write most statuses
    by_popularity: Weighted[Account]  # who gets boosted and mentioned: weighted by followers
    by_creation: list[Account]  # oldest first
    creation_ms: list[int]

    def draw(self, weighted: Weighted[Account], rng: random.Random, at_ms: int) -> Account:
        """An account of `weighted` that exists at `at_ms` (accounts post only once created)."""
        for _ in range(20):
            account = weighted.draw(rng)
            if account.created_ms <= at_ms:
                return account
        existing = bisect.bisect_right(self.creation_ms, at_ms)
        return self.by_creation[rng.randrange(max(existing, 1))]


def build_table(
    rng: random.Random,
    lexicon: Lexicon,
    world: World,
    *,
    count: int,
    local_ratio: float,
    newest_creation_ms: int,
    hidden_followers: float,
    posts: int,
    days: float,
) -> AccountTable:
    """`posts` timeline entries over `days` are to come: an account's `statuses_count` covers its
    expected share of them."""
    taken: set[tuple[str, str]] = set()
    recorded = [i for i in world.instances if i.recorded]
    accounts, eager = [], []
    for index in range(count):
        if rng.random() < local_ratio:
            instance = rng.choice(recorded)
        else:
            instance = world.by_accounts.draw(rng)
            while instance.recorded:
                instance = world.by_accounts.draw(rng)
        username = _username(rng)
        while (username.lower(), instance.domain) in taken:
            username += str(rng.randint(0, 9))
        taken.add((username.lower(), instance.domain))
        accounts.append(_account(rng, lexicon, index, username, instance, newest_creation_ms, hidden_followers))
        eager.append(instance.founded_ms is not None)
    # Who posts most is chance, except that the people of a new instance are keen: they rank high.
    keys = [rng.random() * (0.1 if keen else 1.0) for keen in eager]
    ranked = sorted(range(count), key=keys.__getitem__)
    # A busy account's statuses_count holds what it posts here (its Zipf share of the entries,
    # with room for chance) and grows at least at that pace: a statuses column showing 134 for
    # someone seen posting 2,000 times would read as a bug.
    harmonic = sum(1.0 / rank for rank in range(1, count + 1))
    for rank, i in enumerate(ranked, start=1):
        expected = posts / rank / harmonic
        if expected >= 1:
            account = accounts[i]
            accounts[i] = dataclasses.replace(
                account,
                statuses=max(account.statuses, round(expected * 1.5) + 10),
                statuses_per_day=max(account.statuses_per_day, expected * 1.2 / days),
            )
    activity_order = [accounts[i] for i in ranked]
    popularity = Weighted(accounts, list(itertools.accumulate(math.sqrt(a.followers) + 1 for a in accounts)))
    by_creation = sorted(accounts, key=lambda a: a.created_ms)
    return AccountTable(accounts, Weighted.zipf(activity_order, 1.0), popularity, by_creation,
                        [a.created_ms for a in by_creation])


def _username(rng: random.Random) -> str:
    name = syllable_word(rng, "ka ri mo te sa vo lu ba ne ti o an ve do mi pa se fa el wen ro ja zu".split(), 2, 4)
    style = rng.random()
    if style < 0.15:
        name = name.capitalize() + syllable_word(rng, ["Nook", "Fox", "Byte", "Fern", "Moth"], 1, 1)
    elif style < 0.3:
        name += str(rng.randint(1, 999))
    elif style < 0.4:
        name += "_" + syllable_word(rng, ["art", "dev", "bot", "news", "pics"], 1, 1)
    return name


def _creation_ms(rng: random.Random, newest_ms: int, founded_ms: int | None) -> int:
    if founded_ms is not None and founded_ms < newest_ms:  # an instance founded lately: its users are new
        return midnight_ms(rng.randint(founded_ms, newest_ms))
    years = [y for y in _YEAR_WEIGHTS if epoch_ms(date(y, 1, 1)) <= newest_ms]
    year = rng.choices(years, weights=[_YEAR_WEIGHTS[y] for y in years])[0]
    start = max(_LAUNCH_MS, epoch_ms(date(year, 1, 1)))
    if year == 2022 and rng.random() < 0.6:
        start = epoch_ms(date(2022, 11, 1))
    stop = min(newest_ms, epoch_ms(date(year + 1, 1, 1)) - 1)
    return midnight_ms(rng.randint(start, stop))


def _account(
    rng: random.Random,
    lexicon: Lexicon,
    index: int,
    username: str,
    instance: Instance,
    newest_creation_ms: int,
    hidden_followers: float,
) -> Account:
    local, host = instance.recorded, instance.domain
    created_ms = _creation_ms(rng, newest_creation_ms, instance.founded_ms)
    if created_ms < _SNOWFLAKE_ERA_MS:  # sequential ids from before snowflakes, still in creation order
        account_id = str((created_ms - _LAUNCH_MS) // MS_PER_DAY * 10_000_000 + index + 1)
    else:
        account_id = snowflake(created_ms + rng.randrange(MS_PER_DAY), rng.getrandbits(16))
    acct_remote = f"{username}@{instance.spelling}"
    profile_url = f"https://{instance.spelling}/@{username}"
    language = instance.languages.draw(rng)
    interests = tuple(dict.fromkeys(lexicon.topics.draw(rng).name for _ in range(rng.choice((1, 2, 2, 3)))))
    emojis: list[dict[str, Any]] = []
    display_name = _display_name(rng, lexicon, emojis, host)
    files = f"https://files.{host}/"
    head = {
        "id": account_id,
        "username": username,
        "acct": username if local else acct_remote,  # as its home shows it; each recording rewrites it
        "display_name": display_name,
        "locked": rng.random() < 0.08,
        "bot": rng.random() < 0.03,
        "discoverable": rng.choices([True, False, None], [6, 3, 1])[0],
        "indexable": rng.random() < 0.45,
        "group": rng.random() < 0.005,
        "created_at": iso_ms(created_ms),
        "note": _note(rng, lexicon, language, instance.spelling, interests),
        "url": profile_url,
        "uri": f"https://{host}/users/{username}",
        **_images(rng, files, host, account_id),
    }
    tail: dict[str, Any] = {"hide_collections": rng.random() < 0.1 if local else rng.choice([False, None])}
    if local:  # Mastodon only tells its own users' search-engine preference
        tail["noindex"] = rng.random() < 0.1
    tail["emojis"] = emojis
    if local:
        tail["roles"] = [{"id": "3", "name": "Admin", "color": ""}] if rng.random() < 0.002 else []
    tail["fields"] = _fields(rng, lexicon, language)
    followers = int(40 * (rng.paretovariate(1.05) - 1))
    followers_per_day = min(followers, 3_000_000) * rng.uniform(0.0, 0.01)
    following = int(30 * (rng.paretovariate(1.3) - 1))
    statuses = int(50 * rng.paretovariate(0.9))
    # Its lifetime pace, give or take: counters drifting back from their end value at a pace
    # unrelated to it would show 1 for most accounts by the start of the recording.
    statuses_per_day = statuses / max((newest_creation_ms - created_ms) / MS_PER_DAY, 1.0) * rng.uniform(0.5, 1.5)
    return Account(
        index=index,
        id=account_id,
        username=username,
        local=local,
        handle=f"{username}@{host}".lower(),
        acct_remote=acct_remote,
        profile_url=profile_url,
        uri=head["uri"],
        created_ms=created_ms,
        language=language,
        interests=interests,
        head=head,
        tail=tail,
        followers=min(followers, 3_000_000),
        followers_per_day=followers_per_day,
        following=following,
        statuses=statuses,
        statuses_per_day=statuses_per_day,
        hides_followers=local and rng.random() < hidden_followers,
    )


def _display_name(rng: random.Random, lexicon: Lexicon, emojis: list[dict[str, Any]], instance: str) -> str:
    style = rng.random()
    if style < 0.08:
        return ""  # clients fall back to the username
    name = person_name(rng) if style < 0.35 else f"{person_name(rng)} {person_name(rng)}"
    if rng.random() < 0.12:
        name += " " + rng.choice(_EMOJI_CHARS)
    if rng.random() < 0.06:
        shortcode = lexicon.emojis.draw(rng)
        name += f" :{shortcode}:"
        emojis.append(custom_emoji(shortcode, instance))
    if rng.random() < 0.01:
        name = name.replace(" ", rng.choice(_SEPARATORS), 1)
    return name


def _note(rng: random.Random, lexicon: Lexicon, language: str, host: str, interests: tuple[str, ...]) -> str:
    if rng.random() < 0.25:
        return ""
    parts = [markup.escape(lexicon.text(rng, language, rng.randint(3, 14)))]
    if rng.random() < 0.3:
        tag = lexicon.topic[interests[0]].tags["*"].draw(rng)
        parts.append(markup.hashtag(f"https://{host}/tags/{tag}", tag))
    return markup.paragraphs([[" ".join(parts)]])


def _images(rng: random.Random, files: str, instance: str, account_id: str) -> dict[str, str]:
    path = id_path(account_id)
    if rng.random() < 0.15:
        avatar = avatar_static = f"https://{instance}/avatars/original/missing.png"
    else:
        digest = f"{rng.getrandbits(64):016x}"
        animated = rng.random() < 0.05
        avatar = f"{files}accounts/avatars/{path}/original/{digest}.{'gif' if animated else 'png'}"
        avatar_static = f"{files}accounts/avatars/{path}/static/{digest}.png" if animated else avatar
    if rng.random() < 0.4:
        header = f"https://{instance}/headers/original/missing.png"
    else:
        header = f"{files}accounts/headers/{path}/original/{rng.getrandbits(64):016x}.jpeg"
    return {"avatar": avatar, "avatar_static": avatar_static, "header": header, "header_static": header}


def _fields(rng: random.Random, lexicon: Lexicon, language: str) -> list[dict[str, Any]]:
    fields = []
    for name in rng.sample(_FIELD_NAMES, rng.choice((0, 0, 1, 2, 2, 3, 4))):
        if name in ("Website", "Blog", "Site"):
            domain = lexicon.everywhere.draw(rng)
            value = markup.link(f"https://{domain.host}/", rel="nofollow noopener me")
            # Field verification times use Rails' default offset format, unlike created_at.
            verified_ms = _LAUNCH_MS + rng.randrange(9 * 365 * MS_PER_DAY)
            verified = iso_ms(verified_ms)[:-1] + "+00:00" if rng.random() < 0.4 else None
        else:
            value, verified = markup.escape(lexicon.text(rng, language, rng.randint(1, 3))), None
        fields.append({"name": name, "value": value, "verified_at": verified})
    return fields


def custom_emoji(shortcode: str, instance: str) -> dict[str, Any]:
    """A CustomEmoji as the local instance serves it (remote ones are cached on its file host)."""
    digest = f"{abs(hash_code(shortcode)):016x}"
    return {
        "shortcode": shortcode,
        "url": f"https://files.{instance}/cache/custom_emojis/images/original/{digest}.png",
        "static_url": f"https://files.{instance}/cache/custom_emojis/images/static/{digest}.png",
        "visible_in_picker": True,
    }


def hash_code(text: str) -> int:
    """A stable 64-bit hash (Python's own str hash changes per process)."""
    value = 1469598103934665603
    for byte in text.encode():
        value = ((value ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return value
