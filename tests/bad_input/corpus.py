"""The bad-input corpus: every kind of bad input issue 16 and the smoke tests found, each a
file and what must come of it, on every path that reads files (`labctl jobs run-local`,
`labctl ingest` / `seed --file`, a DAG run).

Two outcomes only:
- **counted**: every good record counted, every bad one counted as malformed and set aside
  (`records` are the records as lines, what the oracle must compute the metrics from; a bad
  record may be any malformed line there, only its count matters to the metrics);
- **refused**: a clear error naming the file and a byte offset (`refused_at`, the range it
  may name), and nothing written.

Expectations come from how each file is built here, never from labctl's readers. Small
files are committed in `files/` (`python tests/bad_input/corpus.py --check` says whether they
are current); big ones are built on demand (`python tests/bad_input/corpus.py OUT_DIR` writes
them all). See README.md.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
MALFORMED = b"\x00malformed"  # stands for a bad record in `records`: any line the contract rejects


@functools.lru_cache(maxsize=None)
def statuses(count: int, seed: int) -> tuple[bytes, ...]:
    """Good statuses, one JSON line each (labctl.seedgen: a generator, not a reader)."""
    sys.path.insert(0, str(HERE.parents[1]))
    from labctl.seedgen import GeneratorConfig, recording_lines

    return tuple(recording_lines(GeneratorConfig(statuses=count, seed=seed)))


def status(seed: int, **changes) -> dict:
    return {**json.loads(statuses(3, seed)[0]), **changes}


def lines(records: list[bytes]) -> bytes:
    return b"".join(record + b"\n" for record in records)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


@dataclass(frozen=True)
class Case:
    name: str
    about: str
    file_name: str
    build: Callable[[], bytes]
    records: Callable[[], list[bytes]] | None = None  # counted: the records as lines
    refused_at: Callable[[], tuple[int, int]] | None = None  # refused: the byte offsets the error may name
    pending: str | None = None  # why this case cannot pass yet, and what will make it
    big: bool = False  # built on demand, not committed

    @property
    def outcome(self) -> str:
        return "refused" if self.refused_at else "counted"

    def path(self, folder: Path | None = None) -> Path:
        return (folder or FILES) / self.file_name


# --- Damaged gzip files: over a megabyte, as where the issue lost records ---------------------

def _big_body() -> bytes:
    return lines(list(statuses(6000, 16)))


@functools.lru_cache(maxsize=None)
def _big_gzip() -> bytes:
    data = gz(_big_body())
    assert len(data) > 1_000_000
    return data


def _truncated() -> bytes:
    return _big_gzip()[: len(_big_gzip()) * 3 // 5]


CORRUPT_AT = 600_000


def _corrupt() -> bytes:
    data = bytearray(_big_gzip())
    data[CORRUPT_AT : CORRUPT_AT + 512] = bytes(b ^ 0x5A for b in data[CORRUPT_AT : CORRUPT_AT + 512])
    return bytes(data)


def _with_garbage() -> bytes:
    return _big_gzip() + b"<html><body>502 Bad Gateway</body></html>\n"


def _two_members() -> bytes:
    body = statuses(6000, 16)
    return gz(lines(list(body[:3000]))) + b"\x00" * 512 + gz(lines(list(body[3000:])))


# --- JSON arrays ------------------------------------------------------------------------------

_ARRAY_BAD = {7: b'{"id": NaN, "content": "not RFC 8259"}', 12: b'{"unbalanced": "brace"}}', 20: b"42"}


def _array_elements() -> list[bytes]:
    elements = list(statuses(30, 17))
    for index, bad in _ARRAY_BAD.items():
        elements[index] = bad
    return elements


def _array() -> bytes:
    return b"[" + b",\n".join(_array_elements()) + b"]\n"


def _array_records() -> list[bytes]:
    return [MALFORMED if n in _ARRAY_BAD else element for n, element in enumerate(_array_elements())]


def _pretty_cut() -> bytes:
    text = json.dumps([json.loads(line) for line in statuses(20, 18)], indent=2).encode()
    cut = text.index(b"\n  {", len(text) * 7 // 10)  # the start of an element...
    return text[: cut + 200]  # ...and 200 bytes into it


def _pretty_cut_records() -> list[bytes]:
    whole = _pretty_cut().count(b"\n  }")  # elements whose closing brace made it
    return list(statuses(20, 18)[:whole]) + [MALFORMED]


def _array_first_line() -> bytes:
    return lines([b"[1, 2, 3]", *statuses(20, 19)])


# --- Numbers, markup, bytes: one record each, among good ones --------------------------------

def _among_good(seed: int, bad: list[bytes]) -> list[bytes]:
    good = list(statuses(20, seed))
    return good[:10] + bad + good[10:]


def _huge_numbers() -> list[bytes]:
    return _among_good(20, [
        json.dumps(status(21, id="990000000000000101", favourites_count=10**400)).encode(),
        json.dumps(status(22, id="990000000000000102", reblogs_count=10**30,
                          account={**status(22)["account"], "followers_count": 10**400})).encode(),
        json.dumps(status(23, id="990000000000000103", replies_count=1e308)).encode(),
    ])


def _negative_numbers() -> list[bytes]:
    return _among_good(24, [
        json.dumps(status(25, id="990000000000000201", favourites_count=-5, reblogs_count=-1)).encode(),
        json.dumps(status(26, id="990000000000000202", account={**status(26)["account"], "followers_count": -100})).encode(),
    ])


def _quadratic_html() -> list[bytes]:
    """The issue's record: "<a " 350,000 times, a megabyte of content."""
    return _among_good(27, [json.dumps(status(28, id="990000000000000301", content="<a " * 350_000)).encode()])


def _bare_cr() -> list[bytes]:
    """A CR inside a malformed line (Hadoop's LineReader would end the line there), a CR
    alone, and a good record ending in CRLF."""
    good = list(statuses(20, 29))
    return good[:10] + [b'{"id": "9", "content": "split\rhere', b"\r", good[10] + b"\r"] + good[11:]


def _bare_cr_records() -> list[bytes]:
    good = list(statuses(20, 29))
    # The CR alone ends the line it is on: a blank line, as for Hadoop and the jobs.
    return good[:10] + [MALFORMED, b"", good[10]] + good[11:]


def _deep_nesting() -> list[bytes]:
    depth = 100_000
    deep = status(31, id="990000000000000401")
    return _among_good(30, [
        b"[" * depth + b"]" * depth,
        json.dumps(deep).encode()[:-1] + b', "extra": ' + b"[" * depth + b"]" * depth + b"}",
    ])


def _deep_nesting_records() -> list[bytes]:
    return _among_good(30, [MALFORMED, MALFORMED])


def _nul_bytes() -> list[bytes]:
    return _among_good(32, [
        json.dumps(status(33, id="990000000000000501", content="<p>a\u0000b</p>")).encode(),  # escaped: valid
        b'{"id": "990000000000000502", "content": "raw\x00nul"}',  # raw: a control character, invalid
        b"\x00\x00\x00\x00",
    ])


def _nul_records() -> list[bytes]:
    records = _nul_bytes()
    return [MALFORMED if n in (11, 12) else record for n, record in enumerate(records)]


FIVE_MB = 5 * 1024 * 1024


def _smoke_bad_records() -> list[bytes]:
    """smoke_tests/test_pipeline_inputs.py's bad and odd records, among good ones."""
    template = status(34, id="990000000000000600")
    no_account = {k: v for k, v in template.items() if k != "account"}
    broken_boost = {**template, "id": "990000000000000607", "reblog": {"id": "990000000000000608", "content": "no account"}}
    bad = [
        json.dumps(template)[:-40].encode(),
        json.dumps({**template, "id": True}).encode(),
        json.dumps({**template, "id": "990000000000000603", "account": "alice"}).encode(),
        b"\xff\xfe" + json.dumps({**template, "id": "990000000000000604"}).encode()[2:],
        json.dumps([template]).encode(),
        json.dumps(no_account).encode(),
        json.dumps(broken_boost).encode(),
        b'{"id": "990000000000000609", "account": {"acct": "\\ud800"}}',
    ]
    odd = [
        json.dumps({**template, "id": "990000000000000611", "uri": "https://bad.example/s/11", "favourites_count": "many"}).encode(),
        json.dumps({**template, "id": "990000000000000612", "uri": "https://bad.example/s/12",
                    "content": "<p>line\u2028separator\u2029inside</p>"}, ensure_ascii=False).encode(),
    ]
    return _among_good(35, [b"", b"   ", *bad, *odd])


def _five_mb_line() -> list[bytes]:
    return _among_good(36, [b'{"id": "990000000000000700", "content": "' + b"x" * FIVE_MB])


CASES: tuple[Case, ...] = (
    Case("gzip-truncated", "a gzip file over a megabyte cut at 60 %", "truncated.jsonl.gz", _truncated,
         refused_at=lambda: (len(_truncated()), len(_truncated())), big=True),
    Case("gzip-corrupt", "512 bytes of a gzip file garbled in the middle", "corrupt.jsonl.gz", _corrupt,
         refused_at=lambda: (CORRUPT_AT, len(_corrupt())), big=True),
    Case("gzip-trailing-garbage", "an HTTP error page appended to a whole gzip file", "garbage-after.jsonl.gz",
         _with_garbage, refused_at=lambda: (len(_big_gzip()), len(_big_gzip())), big=True),
    Case("gzip-two-members", "two gzip members with zero padding between (valid gzip: read whole)",
         "two-members.jsonl.gz", _two_members, records=lambda: list(statuses(6000, 16)), big=True),
    Case("array-bad-elements", "a JSON array of 30 statuses, three of them bad (NaN, a stray brace, a number)",
         "array-bad-elements.json", _array, records=_array_records),
    Case("array-cut", "a pretty-printed array cut inside an element", "array-cut.json", _pretty_cut,
         records=_pretty_cut_records),
    Case("lines-array-first", "JSON lines whose first record is an array", "array-first.jsonl", _array_first_line,
         records=lambda: [MALFORMED, *statuses(20, 19)]),
    Case("huge-numbers", "counts of 10**400, 10**30 and 1e308", "huge-numbers.jsonl", lambda: lines(_huge_numbers()),
         records=_huge_numbers),
    Case("negative-numbers", "negative counts", "negative-numbers.jsonl", lambda: lines(_negative_numbers()),
         records=_negative_numbers),
    Case("quadratic-html", "a status whose content is '<a ' 350,000 times (1 MB)", "quadratic-html.jsonl",
         lambda: lines(_quadratic_html()), records=_quadratic_html, big=True),
    Case("bare-cr", "a CR inside a malformed line, a CR alone, a CRLF line", "bare-cr.jsonl",
         lambda: lines(_bare_cr()), records=_bare_cr_records),
    Case("deep-nesting", "100,000 nested arrays, alone and inside a status", "deep-nesting.jsonl",
         lambda: lines(_deep_nesting()), records=_deep_nesting_records, big=True),
    Case("nul-bytes", "NUL escaped in a string (valid), raw in a string and alone (invalid)", "nul-bytes.jsonl",
         lambda: lines(_nul_bytes()), records=_nul_records),
    Case("smoke-bad-records", "the smoke tests' bad records (truncated JSON, wrong types, bad UTF-8, an array, "
         "no account, a boost without one, a lone surrogate), blank lines and odd but valid ones",
         "smoke-bad-records.jsonl", lambda: lines(_smoke_bad_records()), records=_smoke_bad_records),
    Case("five-mb-line", "a 5 MB line that never closes", "five-mb-line.jsonl", lambda: lines(_five_mb_line()),
         records=_five_mb_line, big=True),
    Case("empty", "an empty file", "empty.jsonl", lambda: b"", records=lambda: []),
)
BY_NAME = {case.name: case for case in CASES}


def write(folder: Path, *, big: bool = True) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for case in CASES:
        if case.big and not big:
            continue
        case.path(folder).write_bytes(case.build())
        written.append(case.path(folder))
    return written


def stale() -> list[str]:
    """Committed files that differ from what this script builds (or are missing)."""
    return [case.file_name for case in CASES if not case.big
            and (not case.path().is_file() or case.path().read_bytes() != case.build())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, help="write every case's file there (big ones included)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed small files are not current")
    parser.add_argument("--commit", action="store_true", help="rewrite the committed small files")
    options = parser.parse_args(argv)
    if options.commit:
        write(FILES, big=False)
    if options.check:
        outdated = stale()
        for name in outdated:
            print(f"out of date: {FILES / name}", file=sys.stderr)
        return 1 if outdated else 0
    if options.out:
        for path in write(options.out):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
