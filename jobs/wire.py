"""The wire format of every row the jobs exchange, and the Streaming loop around pure functions.

A row is one line of UTF-8: the key fields, each followed by a tab, then a JSON value::

    tag<TAB>python<TAB>1
    account<TAB>alice@example.social<TAB>[["2024-05-01T10:00:00.000000",12,3,4,5,"2023-01"],1,7]

JSON never writes a raw control character, so a value holds no tab or newline. Key fields
come from the data (tags, URLs, handles), so `%` and every control character in them is
%-escaped: a line is then split unambiguously, Hadoop's LineReader (which also ends lines
at '\\r') sees one record per row, and the tab after the key is the smallest byte of the
line. That last property makes sorting whole lines (LC_ALL=C sort, or Python's bytes
order) group rows exactly like Hadoop's sort of the key bytes.

Lone surrogates (JSON may spell "\\ud800") are carried with "surrogatepass" both ways,
so no status can crash a task.

The pure functions never see stdin or stdout. A mapper is called as
``mapper(line, counters)`` with the raw line (terminator removed), a combiner or reducer
as ``reducer(key, values, counters)``; each yields ``(key, value)`` pairs. A task is the
whole of one Streaming process, lines in and rows out (`map_lines`, `reduce_lines`, or a
composition of them). Counters are reported on stderr as
``reporter:counter:<group>,<name>,<n>`` once per task.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any, BinaryIO, TextIO

Key = tuple[str, ...]
Row = tuple[Key, Any]
Counters = Counter  # (group, name) -> n
Mapper = Callable[[bytes, Counters], Iterable[Row]]
Reducer = Callable[[Key, Iterator[Any], Counters], Iterable[Row]]
Task = Callable[[Iterable[bytes], Counters], Iterable[Row]]  # one Streaming process: lines in, rows out

_NEEDS_ESCAPE = re.compile("[\x00-\x1f%]")
_ESCAPE = re.compile("%([0-9A-F]{2})")
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_decode_json = json.JSONDecoder().decode


# Hadoop sorts and partitions on two key fields, so a key of three parts (region, language)
# travels as one field. The first part never holds the separator (a region is two letters
# or "generic"); the second may hold anything.
PAIR_SEPARATOR = "/"


def join_pair(first: str, second: str) -> str:
    return f"{first}{PAIR_SEPARATOR}{second}"


def split_pair(name: str) -> tuple[str, str]:
    first, _, second = name.partition(PAIR_SEPARATOR)
    return first, second


def escape_field(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return _NEEDS_ESCAPE.sub(lambda m: f"%{ord(m.group()):02X}", text)


def unescape_field(text: str) -> str:
    if "%" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def write(key: Key, value: Any) -> bytes:
    """One row, newline included."""
    fields = "\t".join(map(escape_field, key))
    return f"{fields}\t{_encode_json(value)}\n".encode("utf-8", "surrogatepass")


def read(line: bytes) -> Row:
    """Inverse of `write`; the number of key fields is whatever the row carries."""
    text = line.rstrip(b"\r\n").decode("utf-8", "surrogatepass")
    fields, tab, value = text.rpartition("\t")
    if not tab:
        raise ValueError(f"not a wire row (no tab): {text[:120]!r}")
    return tuple(map(unescape_field, fields.split("\t"))), _decode_json(value)


def row_key(line: bytes) -> bytes:
    """The key bytes of a row as written: everything before the last tab."""
    return line[: line.rindex(b"\t")]


def group_rows(lines: Iterable[bytes]) -> Iterator[tuple[Key, Iterator[Any]]]:
    """Rows sorted by key, grouped as a Streaming reducer receives them."""
    rows = (read(line) for line in lines if line.strip())
    for key, group in groupby(rows, key=itemgetter(0)):
        yield key, (value for _, value in group)


def map_lines(mapper: Mapper, lines: Iterable[bytes], counters: Counters) -> Iterator[Row]:
    for line in lines:
        # Hadoop's LineReader drops "\r\n" as a whole; do the same so both runs agree.
        yield from mapper(line.removesuffix(b"\n").removesuffix(b"\r"), counters)


def reduce_lines(reducer: Reducer, lines: Iterable[bytes], counters: Counters) -> Iterator[Row]:
    for key, values in group_rows(lines):
        yield from reducer(key, values, counters)


def combine_in_memory(
    rows: Iterable[Row], merges: dict[str, Callable[[Any, Any], Any]], max_keys: int = 200_000
) -> Iterator[Row]:
    """In-task combining: merge rows of equal key in a dict, flushed every `max_keys` keys.

    `merges` maps a row kind (the first key field) to an associative, commutative merge of
    two values; rows of other kinds pass straight through. Flushing early only costs a
    little more output, which the next merge (combiner or reducer) adds up.
    """
    pending: dict[Key, Any] = {}
    for key, value in rows:
        merge = merges.get(key[0])
        if merge is None:
            yield key, value
        elif key in pending:
            pending[key] = merge(pending[key], value)
        else:
            if len(pending) >= max_keys:
                yield from pending.items()
                pending.clear()
            pending[key] = value
    yield from pending.items()


def report_counters(counters: Counters, stderr: TextIO) -> None:
    for (group, name), n in sorted(counters.items()):
        stderr.write(f"reporter:counter:{group},{name},{n}\n")
    stderr.flush()


def parse_counter(line: str) -> tuple[tuple[str, str], int] | None:
    """The counter a stderr line reports, or None for any other line."""
    if not line.startswith("reporter:counter:"):
        return None
    group, name, n = line.removeprefix("reporter:counter:").rstrip("\n").rsplit(",", 2)
    return (group, name), int(n)


def stream(rows: Iterable[Row], out: BinaryIO) -> None:
    emit = out.write
    for key, value in rows:
        emit(write(key, value))
    out.flush()


def main(tasks: dict[str, Task], argv: list[str] | None = None) -> int:
    """Entry point of a job script: ``python3 <script>.py <role>``, e.g. ``dedup.py map``."""
    argv = sys.argv[1:] if argv is None else argv
    role = argv[0] if len(argv) == 1 else ""
    if role not in tasks:
        sys.stderr.write(f"usage: python3 <script>.py {'|'.join(tasks)} (got {argv!r})\n")
        return 2
    counters: Counters = Counter()
    # Bytes in, bytes out: iterating a binary stream splits on b"\n" only, so a U+2028
    # inside a JSON string stays inside its record.
    stream(tasks[role](sys.stdin.buffer, counters), sys.stdout.buffer)
    report_counters(counters, sys.stderr)
    return 0
