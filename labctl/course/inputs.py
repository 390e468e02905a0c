"""The inputs checks run on: the shipped recording, and inputs the student never saw.

Hidden inputs are what makes a hard-coded answer fail (nbgrader's hidden tests, Otter's
hidden cases): a set from the lab's own generator with another seed and the `hostile`
profile (malformed lines, blank lines, verbatim duplicates, U+2028 in strings, missing
uris), and a short hand-written file with one case per rule of the metric contract
(boosts, duplicates, an edit that changes mentions and tags, missing fields, U+2028, CRLF,
malformed lines, odd instance names). Generated files are cached, keyed by everything that
determines their bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RECORDING = REPO / "seed_data" / "statuses.jsonl.gz"
HIDDEN_SEED = 7717
HIDDEN_STATUSES = 3000


def cache_dir() -> Path:
    """Where generated inputs and oracle documents are kept between checks."""
    configured = os.environ.get("LABCTL_COURSE_CACHE")
    path = Path(configured) if configured else Path.home() / ".cache" / "labctl" / "course"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Input:
    name: str  # what a message calls it
    path: Path
    hidden: bool


def recording() -> Input:
    return Input("the recording (seed_data/statuses.jsonl.gz)", RECORDING, hidden=False)


def generated(seed: int = HIDDEN_SEED, statuses: int = HIDDEN_STATUSES, profile: str = "hostile") -> Input:
    """A set from the lab's generator that the student never saw (labctl data generate)."""
    from labctl.seedgen import PROFILES, write_recording

    path = cache_dir() / f"generated-{profile}-{seed}-{statuses}.jsonl.gz"
    if not path.exists():
        config = PROFILES[profile].replace(statuses=statuses, seed=seed)
        tmp = path.with_name(f".{os.getpid()}-{path.name}")
        write_recording(config, tmp)
        tmp.replace(path)
    return Input(f"a generated set you never saw ({statuses:,} statuses, another seed, malformed lines and duplicates)", path, hidden=True)


# -- the hand-written edge cases ----------------------------------------------------------------


def _account(acct: str, url: str | None, *, number: int, followers: int = 10, created: str | None = "2022-11-07T00:00:00.000Z",
             **extra: Any) -> dict[str, Any]:
    account: dict[str, Any] = {
        "id": str(100 + number),
        "username": acct.partition("@")[0],
        "acct": acct,
        "display_name": f"Edge {number}",
        "followers_count": followers,
        "following_count": 3,
        "statuses_count": 40 + number,
        "created_at": created,
    }
    if url is not None:
        account["url"] = url
    account.update(extra)
    return account


def _mention(acct: str, url: str) -> dict[str, Any]:
    number = int(hashlib.md5(acct.encode()).hexdigest()[:6], 16)  # stable across processes, unlike hash()
    return {"id": str(number), "username": acct.partition("@")[0], "acct": acct, "url": url}


def _status(number: int, account: dict[str, Any], *, uri: str | None = "", content: str = "<p>edge</p>",
            created: str = "2026-01-10T10:00:00.000Z", **fields: Any) -> dict[str, Any]:
    status: dict[str, Any] = {
        "id": str(900_000 + number),
        "created_at": created,
        "uri": uri if uri != "" else f"https://edge.example/users/x/statuses/{900_000 + number}",
        "content": content,
        "language": "en",
        "account": account,
        "reblog": None,
        "replies_count": 1,
        "reblogs_count": 2,
        "favourites_count": 3,
        "edited_at": None,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
    }
    if uri is None:
        del status["uri"]
    status.update(fields)
    return status


def _line(record: Any) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def edge_case_lines() -> list[bytes]:
    """One record per rule of the contract (docs/metrics.md) that naive code gets wrong."""
    de = _account("anke@toot.varmo.de", "https://toot.varmo.de/@anke", number=1, followers=120)
    fr = _account("basile", "https://Social.Lupen.FR:8443/@basile", number=2, followers=0)  # local acct, host from url
    jp = _account("Chie@Mast.Kiroba.JP", "https://mast.kiroba.jp/@chie", number=3, followers=5)
    io = _account("dev@code.io", "https://code.io/@dev", number=4)
    bare = _account("nohost", None, number=5, created=None)  # no url: the handle stays bare
    org = _account("eve@example.org", "https://example.org/@eve", number=6, followers=1)
    idn = _account("fumi@xn--r8jz45g.xn--zckzah", "https://xn--r8jz45g.xn--zckzah/@fumi", number=7)
    m_fr = _mention("basile@social.lupen.fr", "https://social.lupen.fr/@basile")
    m_de = _mention("anke@toot.varmo.de", "https://toot.varmo.de/@anke")
    m_local = _mention("gil", "https://toot.varmo.de/@gil")  # acct without host: host from url
    m_upper = _mention("Hana@Mast.Kiroba.JP", "https://mast.kiroba.jp/@hana")
    tag = lambda name: {"name": name, "url": f"https://edge.example/tags/{name.lower()}"}  # noqa: E731

    original = _status(1, de, mentions=[m_fr, m_local], tags=[tag("Fediverse"), tag("fediverse")],
                       content='<p>hello <a href="https://GitHub.com/lab#readme">x</a></p>',
                       media_attachments=[{"id": "1", "type": "image"}])
    edited_old = _status(2, fr, mentions=[m_de], tags=[tag("old")], created="2026-01-10T11:00:00.000Z",
                         edited_at="2026-01-10T11:05:00.000Z")
    # The later instant, though its text sorts first: edits are compared as times, not strings.
    edited_new = dict(edited_old, mentions=[m_upper, m_de], tags=[tag("new")], edited_at="2026-01-10T06:10:00-05:00",
                      favourites_count=1)
    boost_of_original = _status(3, jp, reblog=dict(original, favourites_count=9), mentions=[], content="")
    boost_of_missing = _status(4, io, reblog=_status(5, org, mentions=[m_de], language=None), mentions=[])
    no_uri = _status(6, bare, uri=None, mentions=[m_fr, {"username": "x", "url": "https://x.example/@x"}],  # no acct: ignored
                     tags=[{"url": "https://edge.example/tags/none"}])
    separators = _status(7, idn, content="<p>line\u2028separator\u2029and\u0085next</p>",
                         mentions=[_mention("anke@toot.varmo.de", "https://toot.varmo.de/@anke")])
    separators["account"] = dict(idn, display_name="Fumi\u2028Two")
    missing_fields = {key: value for key, value in _status(8, org).items()
                      if key not in ("language", "mentions", "tags", "media_attachments", "emojis")}
    numeric_id = _status(9, _account("ivo@10.0.0.1", "https://10.0.0.1/@ivo", number=9), uri=None)
    numeric_id["id"] = 900_009  # an integer id is valid too
    # A fully qualified name: one trailing dot, dropped by the region rule (docs/metrics.md).
    kiwi = _status(10, _account("jo@social.example.nz.", "https://social.example.nz./@jo", number=10), language="")

    good = [original, edited_old, boost_of_original, boost_of_missing, no_uri, separators, missing_fields, numeric_id,
            kiwi, edited_new]
    lines = [_line(record) for record in good]
    lines.insert(1, lines[0])  # the same line twice
    lines.insert(5, _line(no_uri))  # a status without uri, seen twice: de-duplicated by id
    lines[3] = lines[3] + b"\r"  # a CRLF line end
    lines += [
        b"",
        b"   ",
        b'{"id": "1", "account": {"acct": "broken"',  # truncated JSON
        b"[1, 2, 3]",  # not an object
        _line({"account": _account("noid@edge.example", None, number=11)}),  # no id
        _line({"id": "77", "account": "not-an-object"}),
        _line(_status(12, org, reblog={"id": "78"})),  # a boost whose original has no account
        b"\xff\xfe not utf-8",
        b'{"id": "79", "account": {}, "favourites_count": NaN}',  # NaN is not JSON
    ]
    return lines


def edge_cases() -> Input:
    lines = edge_case_lines()
    data = b"\n".join(lines) + b"\n"
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = cache_dir() / f"edge-cases-{digest}.jsonl.gz"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(gzip.compress(data, mtime=0))
        tmp.replace(path)
    return Input("hand-written edge cases you never saw (boosts, duplicates, an edit, missing fields, U+2028, malformed lines)", path, hidden=True)


def job_inputs() -> list[Input]:
    """What a Streaming exercise is graded on: the recording, then the two hidden inputs."""
    return [recording(), generated(), edge_cases()]
