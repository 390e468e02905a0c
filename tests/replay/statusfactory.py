"""A tiny builder of valid Mastodon Status dicts for tests (independent of labctl/seedgen).

Ids are snowflakes that grow with created_at; accounts carry the fields the minimiser drops
(display_name, note, avatar...) so tests can see them go; some authors set noindex, some
statuses are boosts wrapping an original, replies, or carry media and hashtags.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
DOMAIN = "replay.example"
REMOTE_DOMAINS = ("other.example", "social.example")


def snowflake(ms: int, low: int) -> str:
    return str((ms << 16) | (low & 0xFFFF))


def iso(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def make_account(index: int, *, local: bool = True, noindex: bool = False, domain: str = DOMAIN) -> dict[str, Any]:
    host = domain if local else REMOTE_DOMAINS[index % len(REMOTE_DOMAINS)]
    username = f"user{index}"
    return {
        "id": str(100000 + index),
        "username": username,
        "acct": username if local else f"{username}@{host}",
        "display_name": f"User Number {index}",
        "locked": False,
        "bot": index % 11 == 0,
        "discoverable": index % 2 == 0,
        "indexable": index % 3 != 0,
        "noindex": noindex,
        "group": False,
        "created_at": iso(EPOCH_MS - (index + 1) * 86_400_000),
        "note": f"<p>Bio of user {index}, call me at +1 555 {index:04d}</p>",
        "url": f"https://{host}/@{username}",
        "uri": f"https://{host}/users/{username}",
        "avatar": f"https://{host}/avatars/{index}.png",
        "avatar_static": f"https://{host}/avatars/{index}.png",
        "header": f"https://{host}/headers/{index}.png",
        "header_static": f"https://{host}/headers/{index}.png",
        "followers_count": index * 7 % 1000,
        "following_count": index * 3 % 500,
        "statuses_count": index * 13 % 5000,
        "last_status_at": "2025-01-01",
        "emojis": [],
        "fields": [{"name": "email", "value": f"user{index}@mail.example", "verified_at": None}],
    }


def make_status(
    ms: int,
    low: int,
    account: dict[str, Any],
    *,
    text: str = "hello",
    tags: Iterable[str] = (),
    media: int = 0,
    reblog: dict[str, Any] | None = None,
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    status_id = snowflake(ms, low)
    host = account["url"].split("/")[2]
    tag_list = list(tags)
    tag_html = " ".join(
        f'<a href="https://{host}/tags/{t}" class="mention hashtag" rel="tag">#<span>{t}</span></a>' for t in tag_list
    )
    return {
        "id": status_id,
        "created_at": iso(ms),
        "in_reply_to_id": in_reply_to,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://{host}/users/{account['username']}/statuses/{status_id}",
        "url": f"https://{host}/@{account['username']}/{status_id}",
        "replies_count": low % 3,
        "reblogs_count": low % 5,
        "favourites_count": low % 7,
        "edited_at": None,
        "content": "" if reblog else f'<p>{text} <a href="https://news.example/a/{low}">link</a> {tag_html}</p>',
        "reblog": reblog,
        "application": {"name": "Web", "website": None},
        "account": account,
        "media_attachments": [
            {"id": f"{status_id}{i}", "type": "image", "url": f"https://{host}/m/{i}.png",
             "description": "my holiday photo", "blurhash": "LEHV6nWB2yk8"}
            for i in range(media)
        ],
        "mentions": [],
        "tags": [{"name": t, "url": f"https://{host}/tags/{t}"} for t in ([] if reblog else tag_list)],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def make_timeline(
    count: int,
    *,
    seed: int = 7,
    domain: str = DOMAIN,
    noindex_every: int = 0,
    boost_every: int = 0,
    remote_every: int = 3,
    tags: tuple[str, ...] = ("python", "Fediverse", "data"),
) -> list[dict[str, Any]]:
    """`count` statuses, newest first, like a recorded public timeline."""
    rng = random.Random(seed)
    statuses: list[dict[str, Any]] = []
    ms = EPOCH_MS
    for n in range(count):
        ms += rng.randint(1, 5000)
        index = rng.randint(0, 60)
        account = make_account(
            index,
            local=not (remote_every and index % remote_every == 0),
            noindex=bool(noindex_every) and index % noindex_every == 0,
            domain=domain,
        )
        chosen = [t for t in tags if rng.random() < 0.3]
        reblog = None
        if boost_every and n % boost_every == boost_every - 1 and statuses:
            original = statuses[rng.randrange(len(statuses))]
            reblog = original if original.get("reblog") is None else original["reblog"]
        statuses.append(make_status(ms, n, account, text=f"post {n}", tags=chosen, media=n % 4 == 0, reblog=reblog))
    statuses.reverse()
    return statuses


def write_jsonl(statuses: Iterable[dict[str, Any]], path: Path, *, compress: bool = True) -> Path:
    body = "".join(json.dumps(s) + "\n" for s in statuses).encode()
    path.write_bytes(gzip.compress(body) if compress else body)
    return path


def ids(statuses: Iterable[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in statuses]
