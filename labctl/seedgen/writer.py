"""Serialising a timeline: JSON lines (optionally gzip) or a JSON array, byte-for-byte reproducible."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from labctl.seedgen.config import GeneratorConfig, LineNoise
from labctl.seedgen.timeline import Timeline
from labctl.seedgen.truth import Truth

FORMATS = ("jsonl", "json")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
_BATCH = 512  # lines per write: fewer, larger writes into the compressor


@dataclass(frozen=True)
class Summary:
    """What a written recording holds. `sha256` is of the uncompressed bytes."""

    path: str
    format: str
    compressed: bool
    lines: int
    statuses: int  # distinct original statuses, on their own line or inside a boost
    boosts: int
    accounts: int  # distinct authors of statuses or boosts
    malformed: int
    blank: int
    duplicates: int
    raw_bytes: int
    file_bytes: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_format(path: Path, fmt: str | None = None) -> tuple[str, bool]:
    """(format, gzip?) from the file name, `--format` overriding the former."""
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    if compressed:
        suffixes = suffixes[:-1]
    if fmt is None:
        fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
        if fmt is None:
            raise ValueError(
                f"cannot tell the format of {path.name!r}: name it .jsonl, .jsonl.gz, .json or .json.gz, "
                "or say --format jsonl|json"
            )
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return fmt, compressed


def encode(entity: Any) -> bytes:
    """Compact JSON in UTF-8. Non-ASCII stays raw, so U+2028 really sits inside the line."""
    return json.dumps(entity, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _Tally:
    def __init__(self) -> None:
        self.lines = self.statuses = self.boosts = self.malformed = self.blank = self.duplicates = 0
        self.authors: set[int] = set()


def recording_lines(
    config: GeneratorConfig, *, array: bool = False, truth: Truth | None = None, tally: _Tally | None = None
) -> Iterator[bytes]:
    """Every line (JSON lines) or element (JSON array) of the recording, in timeline order."""
    tally = tally if tally is not None else _Tally()
    noise_rng = random.Random(f"{config.seed}/noise")
    for entry in Timeline(config).entries():
        line = encode(entry.status)
        tally.lines += 1
        if not entry.original.emitted:
            entry.original.emitted = True
            tally.statuses += 1
        tally.authors.add(entry.original.author.index)
        if entry.boost is not None:
            tally.boosts += 1
            tally.authors.add(entry.boost.booster.index)
        if truth is not None:
            truth.observe(entry)
        yield line
        for kind, extra in _noise(noise_rng, config.noise, line, entry.status, array):
            tally.lines += 1
            if kind == "malformed":
                tally.malformed += 1
                if truth is not None:
                    truth.malformed += 1
            elif kind == "blank":
                tally.blank += 1
            else:
                tally.duplicates += 1
            yield extra


def _noise(
    rng: random.Random, noise: LineNoise, line: bytes, status: dict[str, Any], array: bool
) -> list[tuple[str, bytes]]:
    if not (noise.malformed or noise.blank or noise.duplicate):
        return []
    extra = []
    if rng.random() < noise.duplicate:
        extra.append(("duplicate", line))
    if not array and rng.random() < noise.blank:
        extra.append(("blank", b""))
    if rng.random() < noise.malformed:
        extra.append(("malformed", _malformed(rng, line, status, array)))
    return extra


def _malformed(rng: random.Random, line: bytes, status: dict[str, Any], array: bool) -> bytes:
    """A record the metric contract must count as malformed (and nothing else)."""
    kinds = ["not_object", "no_id", "bad_account"] + ([] if array else ["bad_utf8", "truncated"])
    kind = rng.choice(kinds)
    if kind == "bad_utf8":  # 0xFF never occurs in UTF-8
        cut = rng.randrange(1, len(line))
        return line[:cut] + b"\xff" + line[cut:]
    if kind == "truncated":  # an interrupted write: the closing brace never made it
        return line[: rng.randrange(1, len(line) - 1)]
    if kind == "not_object":
        return rng.choice([b"[]", b"null", b"42", b'"status"', b"true", b'[{"id":"1","account":{}}]'])
    broken = dict(status)
    if kind == "no_id":
        del broken["id"]
    elif rng.random() < 0.25:
        del broken["account"]
    else:
        broken["account"] = rng.choice([None, "someone", [], 7])
    return encode(broken)


def write_recording(
    config: GeneratorConfig,
    out: Path,
    *,
    fmt: str | None = None,
    truth: Truth | None = None,
    compresslevel: int = 6,
) -> Summary:
    """Generate and write a recording to `out`, atomically (a partial file never has the final name)."""
    fmt, compressed = resolve_format(out, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    tally = _Tally()
    digest = hashlib.sha256()
    raw_bytes = 0
    try:
        with open(partial, "wb") as raw:
            # No file name and a zero mtime in the gzip header: same config, same bytes.
            sink: IO[bytes] = (
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=compresslevel)
                if compressed
                else raw
            )
            # One chunk in flight on a second thread: zlib releases the GIL, so compressing
            # the previous chunk overlaps with generating the next one.
            with sink, ThreadPoolExecutor(max_workers=1) as compressor:
                in_flight: Future[int] | None = None
                for chunk in _framed(recording_lines(config, array=fmt == "json", truth=truth, tally=tally), fmt):
                    digest.update(chunk)
                    raw_bytes += len(chunk)
                    if in_flight is not None:
                        in_flight.result()
                    in_flight = compressor.submit(sink.write, chunk)
                if in_flight is not None:
                    in_flight.result()
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return Summary(
        path=str(out),
        format=fmt,
        compressed=compressed,
        lines=tally.lines,
        statuses=tally.statuses,
        boosts=tally.boosts,
        accounts=len(tally.authors),
        malformed=tally.malformed,
        blank=tally.blank,
        duplicates=tally.duplicates,
        raw_bytes=raw_bytes,
        file_bytes=out.stat().st_size,
        sha256=digest.hexdigest(),
    )


def _framed(lines: Iterator[bytes], fmt: str) -> Iterator[bytes]:
    """Batches of lines ended by newlines (JSON lines), or the pieces of one JSON array."""
    if fmt == "jsonl":
        for batch in _batches(lines):
            yield b"\n".join(batch) + b"\n"
        return
    lead = b"[\n"
    for batch in _batches(lines):
        yield lead + b",\n".join(batch)
        lead = b",\n"
    yield (lead if lead == b"[\n" else b"") + b"\n]\n"


def _batches(lines: Iterator[bytes]) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for line in lines:
        batch.append(line)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
