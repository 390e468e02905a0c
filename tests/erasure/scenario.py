"""A timeline in which one account (the subject of an erasure) is everywhere it can be.

Built with the tests' own Status builder (statusfactory.py), never with labctl code, and
with the expectations computed here by plain rules, independently of labctl.governance:
- the subject authors statuses, is boosted by others and boosts others itself;
- others mention it (in `mentions` and as Mastodon's h-card link in `content`), name it
  in plain text, reply to it, and boost a status that mentions it;
- look-alikes must survive: `user70@replay.example` (the subject's name is a prefix of
  it) and `user7@social.example` (same name, another server);
- unparsed lines: one naming the subject, two that do not.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from statusfactory import EPOCH_MS, make_account, make_status, make_timeline

SUBJECT = make_account(7)  # local: acct "user7", https://replay.example/@user7
HANDLE = "user7@replay.example"
PREFIXED = make_account(70)  # user70@replay.example
# user7@social.example; the builder numbers accounts by name only, but ids are per instance.
NAMESAKE = {**make_account(7, local=False), "id": "200007"}
OTHERS = [make_account(i) for i in (1, 2, 4, 5, 8)]

UNPARSED_NAMING = b'{"broken": "see https://replay.example/@user7 and more'
UNPARSED_OTHER = (b"not json at all", b'{"id": NaN, "acct": "user70@replay.example"}')

# Anything that would identify the subject: its handle, its profile URL, its ActivityPub id,
# each not followed by a character that would make it another name; and a mention link that
# shows "@user7" unless it links to the namesake (in JSON text its quotes are escaped).
TRACE = re.compile(
    r"user7@replay\.example(?![\w-]|\.\w)|replay\.example/@user7(?![\w-])|replay\.example/users/user7(?![\w-])"
    r'|<a href=\\?"(?!https://social\.example/@user7\\?")[^>]*>@<span>user7</span>',
    re.IGNORECASE,
)


def handle_of(account: dict[str, Any]) -> str:
    acct = account.get("acct") or ""
    if "@" in acct:
        return acct.lower()
    return f"{acct}@{urlsplit(account.get('url') or '').hostname}".lower()


def mention_entry(account: dict[str, Any]) -> dict[str, Any]:
    return {"id": account["id"], "username": account["username"], "acct": account["acct"], "url": account["url"]}


def mention_html(account: dict[str, Any]) -> str:
    return (f'<span class="h-card" translate="no"><a href="{account["url"]}" class="u-url mention">'
            f'@<span>{account["username"]}</span></a></span>')


class Builder:
    def __init__(self, seed: int = 5):
        self.rng = random.Random(seed)
        self.ms = EPOCH_MS + 10_000_000
        self.low = 0

    def status(self, account: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        self.ms += self.rng.randint(1, 4000)
        self.low += 1
        return make_status(self.ms, self.low, account, **kwargs)


def build() -> list[dict[str, Any]]:
    b = Builder()
    statuses = make_timeline(240, boost_every=5, seed=11)
    own = [b.status(SUBJECT, text=f"own post {n}", tags=["privacy"] if n % 2 else [], media=n % 3)
           for n in range(6)]
    statuses += own
    statuses += [b.status(OTHERS[n % len(OTHERS)], reblog=own[n]) for n in range(4)]
    statuses.append(b.status(SUBJECT, reblog=statuses[3] if statuses[3].get("reblog") is None else statuses[4]))

    mentioning = []
    for n in range(5):
        extra = [PREFIXED, NAMESAKE] if n == 0 else []
        status = b.status(OTHERS[n], text=f"hello {mention_html(SUBJECT)} "
                          + " ".join(mention_html(a) for a in extra))
        status["mentions"] = [mention_entry(SUBJECT)] + [mention_entry(a) for a in extra]
        mentioning.append(status)
    statuses += mentioning
    statuses.append(b.status(OTHERS[1], reblog=mentioning[2]))

    for n in range(3):
        reply = b.status(OTHERS[n + 1], text=f"reply {n}", in_reply_to=own[n]["id"])
        reply["in_reply_to_account_id"] = SUBJECT["id"]
        statuses.append(reply)
    plain = b.status(OTHERS[4], text="cc @User7@Replay.Example, thoughts?")
    statuses.append(plain)

    statuses += [b.status(PREFIXED, text="prefix 1"), b.status(PREFIXED, text="prefix 2")]
    statuses += [b.status(NAMESAKE, text="namesake 1"), b.status(NAMESAKE, text="namesake 2")]
    only_prefixed = b.status(OTHERS[0], text=f"hi {mention_html(PREFIXED)}")
    only_prefixed["mentions"] = [mention_entry(PREFIXED)]
    statuses.append(only_prefixed)
    b.rng.shuffle(statuses)
    return statuses


def write_input(statuses: list[dict[str, Any]], path: Path) -> Path:
    """Gzip JSON lines with the unparsed lines spread through it."""
    lines = [json.dumps(s, ensure_ascii=False).encode() for s in statuses]
    for n, bad in enumerate((UNPARSED_NAMING, *UNPARSED_OTHER)):
        lines.insert(40 * n + 17, bad)
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    return path


def levels(status: dict[str, Any]) -> list[dict[str, Any]]:
    found = [status]
    while isinstance(found[-1].get("reblog"), dict):
        found.append(found[-1]["reblog"])
    return found


def is_removed(status: dict[str, Any]) -> bool:
    """Authored by the subject, or a boost of one of its statuses."""
    return any(handle_of(level["account"]) == HANDLE for level in levels(status))


def without_subject_mentions(status: dict[str, Any]) -> dict[str, Any]:
    """What the metrics must see of a kept status: the subject gone from its mentions."""
    status = copy.deepcopy(status)
    for level in levels(status):
        level["mentions"] = [m for m in level.get("mentions", []) if handle_of(m) != HANDLE]
    return status


def refers_to_subject(status: dict[str, Any]) -> bool:
    """A kept status the erasure must change (found by reading the status, not by the builder's lists)."""
    text = json.dumps(status)
    return bool(TRACE.search(text)) or f'"{SUBJECT["id"]}"' in text


def _not_json(constant: str) -> Any:
    raise ValueError(constant)


def parsed(lines: list[bytes]) -> Iterator[dict[str, Any]]:
    """The statuses among raw lines (RFC 8259 JSON: NaN makes a line unparsed, as at ingestion)."""
    for line in lines:
        try:
            value = json.loads(line, parse_constant=_not_json)
        except ValueError:
            continue
        if isinstance(value, dict):
            yield value
