"""The inputs checks run on: the shipped recording, and inputs the student never saw.

The recording is seed_data/recordings/: the public timelines of three instances, one file
each, read together (a status on two timelines is one status: the contract de-duplicates by
uri). Every check reads all three, as `labctl jobs run-local --input seed_data/recordings`
and the lab's pipeline do; the raw zone and the governance sandbox land each file as the
feed of its own instance, as the lab's collector does.

Hidden inputs are what makes a hard-coded answer fail (nbgrader's hidden tests, Otter's
hidden cases): a set from the lab's own generator with another seed, another period (so
its stories fall in other months: no December, the late instance founded in another one)
and the `hostile` profile (malformed lines, blank lines, verbatim duplicates, U+2028 in
strings, missing uris), and a short hand-written file with one case per rule of the metric
contract (boosts, duplicates, an edit that changes mentions and tags, missing fields,
U+2028, CRLF, malformed lines, odd instance names). Generated files are cached, keyed by
everything that determines their bytes, the generator's code included.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labctl.seedgen import RECORDED_INSTANCES, SHIPPED_PATH

REPO = Path(__file__).resolve().parents[2]
RECORDING = REPO / SHIPPED_PATH  # the folder: `labctl jobs run-local --input` and the docs name it
# Each recorded instance's public timeline, in file name order: the order in which a reader of
# the folder (`labctl jobs run-local`, the DAG of exercise 5) meets them.
RECORDED = tuple((instance, REPO / SHIPPED_PATH / f"{instance}.jsonl.gz") for instance in sorted(RECORDED_INSTANCES))
RECORDING_FILES = tuple(path for _, path in RECORDED)
HIDDEN_SEED = 7717
HIDDEN_STATUSES = 3000
# The recording ends on 2026-01-31; the hidden set ends seven months earlier, so that its
# calendar stories (a December topic, an instance founded 60 days before the end) differ.
HIDDEN_END = "2025-06-30T18:00:00Z"


def cache_dir() -> Path:
    """Where generated inputs and oracle documents are kept between checks."""
    configured = os.environ.get("LABCTL_COURSE_CACHE")
    path = Path(configured) if configured else Path.home() / ".cache" / "labctl" / "course"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Input:
    name: str  # what a message calls it
    files: tuple[Path, ...]  # read together, as one input
    hidden: bool
    instances: tuple[str, ...] = ()  # the instance whose timeline each file is, when known

    def feeds(self, default: str = "social.lab.example") -> list[tuple[str, Path]]:
        """(instance, file) per file: each file lands as the timeline of its instance."""
        return [(self.instances[n] if n < len(self.instances) else default, path) for n, path in enumerate(self.files)]


def recording() -> Input:
    return Input(f"the recording ({SHIPPED_PATH}/, {len(RECORDED)} instances' timelines)", RECORDING_FILES, hidden=False,
                 instances=tuple(instance for instance, _ in RECORDED))


def _generator_digest() -> str:
    """The generator's code: a cached set made by an older generator is not served."""
    from labctl import seedgen

    digest = hashlib.sha256()
    for source in sorted(Path(seedgen.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def generated(seed: int = HIDDEN_SEED, statuses: int = HIDDEN_STATUSES, profile: str = "hostile") -> Input:
    """A set from the lab's generator that the student never saw (labctl data generate):
    another seed and another period than the recording, its timelines merged in one file."""
    from labctl.seedgen import PROFILES, write_recording

    path = cache_dir() / f"generated-{profile}-{seed}-{statuses}-{HIDDEN_END[:10]}-{_generator_digest()}.jsonl.gz"
    if not path.exists():
        config = PROFILES[profile].replace(statuses=statuses, seed=seed, end=HIDDEN_END)
        tmp = path.with_name(f".{os.getpid()}-{path.name}")
        write_recording(config, tmp)
        tmp.replace(path)
    return Input(f"a generated set you never saw ({statuses:,} statuses, another seed and period, malformed lines and duplicates)",
                 (path,), hidden=True)


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
    return Input("hand-written edge cases you never saw (boosts, duplicates, an edit, missing fields, U+2028, malformed lines)", (path,),
                 hidden=True)


def job_inputs() -> list[Input]:
    """What a Streaming exercise is graded on: the recording, then the two hidden inputs."""
    return [recording(), generated(), edge_cases()]
