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
from labctl.seedgen.statuses import localize
from labctl.seedgen.timeline import Timeline
from labctl.seedgen.truth import Truth

FORMATS = ("jsonl", "json")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
_BATCH = 512  # lines per write: fewer, larger writes into the compressor


@dataclass(frozen=True)
class FileSummary:
    """One written file: the timeline of one recorded instance, or of several merged (`instance`
    then names them, comma-separated). `sha256` is of the uncompressed bytes."""

    path: str
    instance: str
    lines: int
    raw_bytes: int
    file_bytes: int
    sha256: str


@dataclass(frozen=True)
class Summary:
    """What a written recording holds. `sha256` is of the uncompressed bytes of its files, one
    after the other in the order of `files`."""

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
    files: list[FileSummary]

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


def recording_entries(
    config: GeneratorConfig, *, array: bool = False, truth: Truth | None = None, tally: _Tally | None = None
) -> Iterator[tuple[str, bytes]]:
    """(recorded instance, line) for every line of every recorded timeline, in timeline order."""
    tally = tally if tally is not None else _Tally()
    noise_rng = random.Random(f"{config.seed}/noise")
    for entry in Timeline(config).entries():
        if not entry.original.emitted:
            entry.original.emitted = True
            tally.statuses += 1
        tally.authors.add(entry.original.author.index)
        if entry.boost is not None:
            tally.boosts += 1
            tally.authors.add(entry.boost.booster.index)
        if truth is not None:
            truth.observe(entry)
        for instance in entry.instances:
            status = localize(entry.status, instance)
            line = encode(status)
            tally.lines += 1
            yield instance, line
            for kind, extra in _noise(noise_rng, config.noise, line, status, array):
                tally.lines += 1
                if kind == "malformed":
                    tally.malformed += 1
                    if truth is not None:
                        truth.malformed += 1
                elif kind == "blank":
                    tally.blank += 1
                else:
                    tally.duplicates += 1
                yield instance, extra


def recording_lines(
    config: GeneratorConfig, *, array: bool = False, truth: Truth | None = None, tally: _Tally | None = None
) -> Iterator[bytes]:
    """Every line of every recorded timeline (JSON lines, or elements of JSON arrays), in timeline order."""
    for _, line in recording_entries(config, array=array, truth=truth, tally=tally):
        yield line


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


def recording_paths(config: GeneratorConfig, out: Path, fmt: str | None = None) -> dict[str, Path]:
    """Where each recorded instance's timeline goes. A file name (`set.jsonl.gz`) takes every
    timeline, merged in timeline order (one input for benchmarks and tests, as the raw zone
    concatenates the feeds); a directory gets one file per instance (`toot.varmo.de.jsonl.gz`)."""
    if out.suffix or len(config.recorded) == 1:
        return {instance: out for instance in config.recorded}
    suffix = {"jsonl": ".jsonl.gz", "json": ".json.gz"}[fmt or "jsonl"]
    return {instance: out / f"{instance}{suffix}" for instance in config.recorded}


def write_recording(
    config: GeneratorConfig,
    out: Path,
    *,
    fmt: str | None = None,
    truth: Truth | None = None,
    compresslevel: int = 6,
) -> Summary:
    """Generate and write a recording to `out` (a file, or a directory of one file per recorded
    instance), atomically: a partial file never has its final name."""
    paths = recording_paths(config, out, fmt)
    formats = {path: resolve_format(path, fmt) for path in paths.values()}
    tally = _Tally()
    by_path = {path: _FileWriter(path, *formats[path], compresslevel) for path in formats}
    try:
        # One chunk in flight on a second thread: zlib releases the GIL, so compressing
        # the previous chunk overlaps with generating the next one.
        with ThreadPoolExecutor(max_workers=1) as compressor:
            in_flight: Future[None] | None = None
            batches: dict[Path, list[bytes]] = {path: [] for path in by_path}
            array = next(iter(formats.values()))[0] == "json"
            for instance, line in recording_entries(config, array=array, truth=truth, tally=tally):
                path = paths[instance]
                batch = batches[path]
                batch.append(line)
                if len(batch) == _BATCH:
                    in_flight = _submit(compressor, in_flight, by_path[path], batch)
                    batches[path] = []
            for path, batch in batches.items():
                in_flight = _submit(compressor, in_flight, by_path[path], batch, last=True)
            if in_flight is not None:
                in_flight.result()
        files = [
            writer.commit(", ".join(i for i, p in paths.items() if p == path)) for path, writer in by_path.items()
        ]
    finally:
        for writer in by_path.values():
            writer.discard()
    digest = hashlib.sha256()
    for writer in by_path.values():
        digest.update(writer.digest_of_all)
    fmt_used, compressed = next(iter(formats.values()))
    return Summary(
        path=str(out),
        format=fmt_used,
        compressed=compressed,
        lines=tally.lines,
        statuses=tally.statuses,
        boosts=tally.boosts,
        accounts=len(tally.authors),
        malformed=tally.malformed,
        blank=tally.blank,
        duplicates=tally.duplicates,
        raw_bytes=sum(f.raw_bytes for f in files),
        file_bytes=sum(f.file_bytes for f in files),
        sha256=files[0].sha256 if len(files) == 1 else digest.hexdigest(),
        files=files,
    )


def _submit(pool: ThreadPoolExecutor, in_flight: Future[None] | None, writer: _FileWriter, batch: list[bytes],
            last: bool = False) -> Future[None]:
    chunk = writer.frame(batch, last)
    if in_flight is not None:
        in_flight.result()
    return pool.submit(writer.write, chunk)


class _FileWriter:
    """One output file: framing (JSON lines or one array), digest, gzip with a fixed header."""

    def __init__(self, path: Path, fmt: str, compressed: bool, compresslevel: int) -> None:
        self.path, self.fmt = path, fmt
        path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = path.with_name(f".{path.name}.partial")
        self.raw = open(self.partial, "wb")
        # No file name and a zero mtime in the gzip header: same config, same bytes.
        self.sink: IO[bytes] = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0, compresslevel=compresslevel)
            if compressed else self.raw
        )  # fmt: skip
        self.digest = hashlib.sha256()
        self.lines = self.raw_bytes = 0
        self.lead = b"[\n"
        self.digest_of_all = b""

    def frame(self, batch: list[bytes], last: bool) -> bytes:
        self.lines += len(batch)
        if self.fmt == "jsonl":
            chunk = b"\n".join(batch) + b"\n" if batch else b""
        else:
            chunk = (self.lead + b",\n".join(batch)) if batch else b""
            if batch:
                self.lead = b",\n"
            if last:
                chunk += (self.lead if self.lead == b"[\n" else b"") + b"\n]\n"
        self.digest.update(chunk)
        self.raw_bytes += len(chunk)
        return chunk

    def write(self, chunk: bytes) -> None:
        if chunk:
            self.sink.write(chunk)

    def commit(self, instances: str) -> FileSummary:
        if self.sink is not self.raw:
            self.sink.close()
        self.raw.close()
        os.replace(self.partial, self.path)
        self.digest_of_all = self.digest.hexdigest().encode()
        return FileSummary(str(self.path), instances, self.lines, self.raw_bytes,
                           self.path.stat().st_size, self.digest.hexdigest())

    def discard(self) -> None:
        if not self.raw.closed:
            self.raw.close()
        self.partial.unlink(missing_ok=True)


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
