"""The offline bundle: one file with everything the lab needs besides the operating system,
Docker and Python, for machines that reach no registry (`labctl bundle export|import`).

The file is a plain tar (`tar tf` lists it), its members in this order:

    lab.env             the manifest it was exported with (versions, ports, memory)
    requirements.lock   the host's lock its packages come from
    recording.tar       seed_data/recordings/, the recorded data set
    wheels.tar          a wheel for each locked package, for this platform, and a
                        requirements.txt pinning each file by its sha256
    images.tar.gz       `docker save` of the lab's images in one archive (shared layers
                        once), gzip level 1; images.tar with --no-compress
    bundle.json         the index: lab version, platform, images and their ids, and each
                        part's size and sha256
    bundle.json.sha256  the index's own checksum

The index comes last because a part's size and checksum are known only once it is written
(nothing is held in memory or staged in a second copy: each part streams into the file, its
tar header rewritten when its size is known). A truncated bundle has no index, so it is
refused at once. An import checks the index, the versions and every part's checksum before
it installs or loads anything.

Python packages are the exporting machine's: CPython of its minor version on its
architecture (x86-64 Linux, CPython 3.11 for the lab as locked); an import elsewhere is
refused naming both platforms. hdfs and docopt are published as source only; the export
builds their wheels from the sources the lock's hashes checked, so the import builds nothing.

This module imports only the standard library at load time: `scripts/quickstart.sh --bundle`
runs it with the system's python3 before labctl's packages exist
(`python3 -m labctl.core.offline install FILE`). The Docker parts take the engine as an
argument.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from labctl.core.errors import LabError

REPO_ROOT = Path(__file__).resolve().parents[2]
FORMAT = 1
BLOCK = 512
CHUNK = 1 << 20
INDEX = "bundle.json"
INDEX_SUM = "bundle.json.sha256"
# Level 1: measured on the lab's images (docs/classroom.md), level 6 made the file 5 % smaller
# in twice the time; no compression made it twice as large.
GZIP_LEVEL = 1
# What a requirements file of wheels needs from a wheel's name: PEP 427's name and version.
_WHEEL_NAME = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# --- what this machine is --------------------------------------------------------------


def this_platform() -> dict[str, str]:
    """What the wheels depend on: the interpreter's minor version and the machine."""
    return {"python": f"{sys.version_info.major}.{sys.version_info.minor}", "system": platform.system(), "machine": platform.machine()}


def manifest_value(key: str, manifest_file: Path | None = None, environ: dict[str, str] | None = None) -> str:
    """One plain value of stack/lab.env, the environment first, as labctl's Manifest reads it.
    A reader of its own because python-dotenv is not installed yet where this runs first;
    a unit test holds it equal to the Manifest on the real file."""
    environ = os.environ if environ is None else environ
    if key in environ:
        return environ[key]
    for line in (manifest_file or REPO_ROOT / "stack" / "lab.env").read_text().splitlines():
        name, equals, value = line.partition("=")
        if equals and name.strip() == key:
            return value.strip().strip("'\"")
    raise LabError(f"stack/lab.env has no {key}")


@dataclass(frozen=True)
class Local:
    """What a bundle must match on this machine."""

    lab_version: str
    lock_sha256: str
    platform: dict[str, str]

    @classmethod
    def here(cls, lab_version: str | None = None, lock_file: Path | None = None) -> "Local":
        lock_file = lock_file or REPO_ROOT / "requirements.lock"
        return cls(lab_version or manifest_value("LAB_IMAGE_TAG"), sha256_file(lock_file), this_platform())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- writing ------------------------------------------------------------------------------


class _Counting:
    """A write-only stream over the bundle that hashes and counts what goes through it."""

    def __init__(self, out: BinaryIO):
        self._out = out
        self.size = 0
        self._digest = hashlib.sha256()

    def write(self, data) -> int:
        self._out.write(data)
        self._digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self._out.flush()

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


@dataclass
class Part:
    name: str
    what: str
    size: int
    sha256: str

    def as_dict(self) -> dict:
        return {"name": self.name, "what": self.what, "size": self.size, "sha256": self.sha256}


def _header(name: str, size: int, mtime: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o644
    header = info.tobuf(format=tarfile.GNU_FORMAT)
    if len(header) != BLOCK:  # a long name would add blocks and break the rewrite below
        raise LabError(f"bundle member name too long: {name}")
    return header


def _add_part(out: BinaryIO, name: str, what: str, write: Callable[[_Counting], None], mtime: int) -> Part:
    """Stream a part of unknown size into the tar: a placeholder header, the data, then the
    header again with the size. Only the output is seeked; nothing is staged."""
    start = out.tell()
    out.write(b"\0" * BLOCK)
    counting = _Counting(out)
    write(counting)
    out.write(b"\0" * (-counting.size % BLOCK))
    end = out.tell()
    out.seek(start)
    out.write(_header(name, counting.size, mtime))
    out.seek(end)
    return Part(name, what, counting.size, counting.sha256)


def _bytes_writer(data: bytes) -> Callable[[_Counting], None]:
    return lambda sink: sink.write(data)


def _tar_writer(files: Iterable[tuple[str, Path]]) -> Callable[[_Counting], None]:
    """A nested tar of these files (name in the archive, path), regular files only."""

    def write(sink: _Counting) -> None:
        with tarfile.open(fileobj=sink, mode="w|", format=tarfile.GNU_FORMAT) as tar:
            for arcname, path in files:
                info = tar.gettarinfo(str(path), arcname=arcname)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with path.open("rb") as handle:
                    tar.addfile(info, handle)

    return write


def _stream_writer(chunks: Iterable[bytes], compress: bool) -> Callable[[_Counting], None]:
    def write(sink: _Counting) -> None:
        if not compress:
            for chunk in chunks:
                sink.write(chunk)
            return
        with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as packed:
            for chunk in chunks:
                packed.write(chunk)

    return write


def save_images(engine, tags: list[str]) -> Iterator[bytes]:
    """`docker save TAG...` through the Docker SDK, streamed. The SDK's get_image takes one
    name; the Engine API's /images/get takes several and writes the layers they share once
    (airflow is built on jvm: 764 MB saved once, not twice), so it is called directly."""
    api = engine.api
    response = api._get(api._url("/images/get"), params={"names": tags}, stream=True)
    api._raise_for_status(response)
    yield from response.iter_content(CHUNK)


def download_wheels(lock_file: Path, target: Path, log: Log = _quiet) -> list[Path]:
    """The locked packages' files for this platform, checked against the lock's hashes, then
    wheels built from the source-only ones (offline, with the setuptools the lock installed)."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    downloads = target / "downloads"
    log(f"downloading the locked packages for Python {this_platform()['python']} on {this_platform()['machine']}")
    _run([*pip, "download", "--no-deps", "--require-hashes", "-r", str(lock_file), "-d", str(downloads)],
         "the locked packages could not be downloaded", "export where PyPI (or your mirror) answers: the import is the offline side")
    wheels = target / "wheels"
    wheels.mkdir()
    for path in sorted(downloads.iterdir()):
        if path.suffix == ".whl":
            shutil.copy2(path, wheels / path.name)
        else:
            log(f"building a wheel of {path.name} (published as source only)")
            _run([*pip, "wheel", "--no-deps", "--no-index", "--no-build-isolation", "-w", str(wheels), str(path)],
                 f"no wheel could be built from {path.name}", "labctl's virtualenv needs setuptools (it is in requirements.lock)")
    found = sorted(wheels.glob("*.whl"))
    lines = []
    for wheel in found:
        match = _WHEEL_NAME.match(wheel.name)
        if not match:
            raise LabError(f"not a wheel name: {wheel.name}")
        lines.append(f"{match['name']}=={match['version']} --hash=sha256:{sha256_file(wheel)}")
    (wheels / "requirements.txt").write_text("\n".join(lines) + "\n")
    return [*found, wheels / "requirements.txt"]


def export_bundle(
    path: Path,
    *,
    engine,
    images: list[str],
    lab_version: str,
    manifest_file: Path,
    lock_file: Path,
    recording_dir: Path,
    compress: bool = True,
    wheels: list[Path] | None = None,
    log: Log = _quiet,
) -> dict:
    """Write the bundle to PATH (through PATH.partial, renamed at the end: an export that
    fails leaves no file that looks whole). wheels: already gathered files (tests), else the
    lock's packages are downloaded. Returns the index."""
    recordings = sorted(p for p in recording_dir.iterdir() if p.is_file())
    if not recordings:
        raise LabError(f"no recording in {recording_dir}", hint="`git checkout seed_data/` restores it")
    ids = {tag: engine.images.get(tag).id for tag in images}
    partial = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    mtime = int(time.time())
    with tempfile.TemporaryDirectory(prefix="labctl-bundle-") as scratch:
        wheel_files = wheels if wheels is not None else download_wheels(lock_file, Path(scratch), log)
        if not any(file.name == "requirements.txt" for file in wheel_files):
            raise LabError("the wheels come without their requirements.txt")
        parts: list[Part] = []
        timings: dict[str, float] = {}
        with partial.open("wb") as out:
            for name, what, writer in (
                ("lab.env", "manifest", _bytes_writer(manifest_file.read_bytes())),
                ("requirements.lock", "lock", _bytes_writer(lock_file.read_bytes())),
                ("recording.tar", "recording", _tar_writer((f"recordings/{p.name}", p) for p in recordings)),
                ("wheels.tar", "wheels", _tar_writer((f"wheels/{p.name}", p) for p in wheel_files)),
                ("images.tar.gz" if compress else "images.tar", "images", _stream_writer(save_images(engine, images), compress)),
            ):
                log(f"writing {name}")
                started = time.monotonic()
                parts.append(_add_part(out, name, what, writer, mtime))
                timings[name] = round(time.monotonic() - started, 1)
            index = {
                "format": FORMAT,
                "lab_version": lab_version,
                "lock_sha256": sha256_file(lock_file),
                "platform": this_platform(),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(mtime)),
                "images": [{"tag": tag, "id": ids[tag]} for tag in images],
                "recording": [p.name for p in recordings],
                "parts": [part.as_dict() for part in parts],
                "seconds": timings,
            }
            document = json.dumps(index, indent=2, sort_keys=True).encode()
            _add_part(out, INDEX, "index", _bytes_writer(document), mtime)
            _add_part(out, INDEX_SUM, "index checksum", _bytes_writer(hashlib.sha256(document).hexdigest().encode() + b"\n"), mtime)
            out.write(b"\0" * (2 * BLOCK))
            out.write(b"\0" * (-out.tell() % tarfile.RECORDSIZE))
    os.replace(partial, path)
    return index


# --- reading and checking -------------------------------------------------------------------


@dataclass
class Verified:
    """A bundle whose index, versions and checksums were all checked."""

    path: Path
    index: dict
    members: dict[str, tarfile.TarInfo] = field(default_factory=dict)

    def part(self, what: str) -> dict:
        return next(part for part in self.index["parts"] if part["what"] == what)

    def read(self, name: str) -> Iterator[bytes]:
        info = self.members[name]
        with self.path.open("rb") as handle:
            handle.seek(info.offset_data)
            left = info.size
            while left:
                chunk = handle.read(min(CHUNK, left))
                if not chunk:
                    raise LabError(f"{self.path} ended inside {name}: it changed since it was checked")
                left -= len(chunk)
                yield chunk

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def _refuse(path: Path, why: str, hint: str | None = None) -> LabError:
    return LabError(f"bundle {path} refused: {why}; nothing was loaded or installed", hint=hint or "export it again (`labctl bundle export FILE`) and copy it whole")


def _members(path: Path) -> dict[str, tarfile.TarInfo]:
    try:
        with tarfile.open(path, "r:") as tar:
            return {info.name: info for info in tar.getmembers()}
    except (tarfile.TarError, OSError, EOFError) as exc:
        why = "the file is truncated" if "unexpected end" in str(exc) else f"it is not a tar file ({exc})"
        raise _refuse(path, why) from exc


def _read_index(path: Path, members: dict[str, tarfile.TarInfo]) -> dict:
    if INDEX not in members or INDEX_SUM not in members:
        raise _refuse(path, "it has no index (bundle.json): the file is truncated or is not a bundle")
    verified = Verified(path, {}, members)
    try:
        document = b"".join(verified.read(INDEX))
        recorded = b"".join(verified.read(INDEX_SUM)).decode().strip()
    except LabError as exc:
        raise _refuse(path, "its index is cut short: the file is truncated") from exc
    if hashlib.sha256(document).hexdigest() != recorded:
        raise _refuse(path, "its index does not match its checksum: the file is corrupt")
    try:
        index = json.loads(document)
    except ValueError as exc:
        raise _refuse(path, f"its index is not JSON ({exc})") from exc
    if index.get("format") != FORMAT:
        raise _refuse(path, f"it is in format {index.get('format')!r}, this labctl reads format {FORMAT}", "export it with this checkout's labctl")
    return index


def check_versions(path: Path, index: dict, local: Local) -> None:
    if index["lab_version"] != local.lab_version:
        raise _refuse(
            path,
            f"it holds lab version {index['lab_version']}, this checkout is lab version {local.lab_version} (LAB_IMAGE_TAG)",
            f"use a bundle exported from lab version {local.lab_version}, or check out the lab's version {index['lab_version']}",
        )
    if index["lock_sha256"] != local.lock_sha256:
        raise _refuse(
            path,
            f"its packages were locked from another requirements.lock (sha256 {index['lock_sha256'][:12]}, this checkout's {local.lock_sha256[:12]})",
            "export the bundle from the same commit as this checkout",
        )
    theirs, ours = index["platform"], local.platform
    if theirs != ours:
        def describe(p):
            return f"Python {p['python']} on {p['system']} {p['machine']}"

        raise _refuse(path, f"its packages are for {describe(theirs)}, this machine runs {describe(ours)}",
                      f"export the bundle on a machine like this one ({describe(ours)}), or run labctl with Python {theirs['python']}")


def verify(path: Path, local: Local, log: Log = _quiet) -> Verified:
    """Every check an import makes before it touches anything: the file is a whole bundle,
    of this lab version, lock and platform, and each part has its recorded size and sha256."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"no bundle at {path}", hint="`labctl bundle export FILE` writes one")
    members = _members(path)
    index = _read_index(path, members)
    check_versions(path, index, local)
    listed = {part["name"] for part in index["parts"]} | {INDEX, INDEX_SUM}
    unexpected = sorted(set(members) - listed)
    if unexpected:
        raise _refuse(path, f"it holds members its index does not list: {', '.join(unexpected)}")
    verified = Verified(path, index, members)
    for part in index["parts"]:
        name = part["name"]
        if name not in members:
            raise _refuse(path, f"its part {name} is missing: the file is truncated")
        if members[name].size != part["size"]:
            raise _refuse(path, f"its part {name} holds {members[name].size} bytes, the index says {part['size']}")
        log(f"checking {name} ({part['size']:,} bytes)")
        digest = hashlib.sha256()
        try:
            for chunk in verified.read(name):
                digest.update(chunk)
        except LabError as exc:
            raise _refuse(path, f"it ends inside its part {name}: the file is truncated") from exc
        if digest.hexdigest() != part["sha256"]:
            raise _refuse(path, f"its part {name} does not match its checksum: the file is corrupt")
    return verified


# --- installing -----------------------------------------------------------------------------


def _safe_extract(stream: BinaryIO, target: Path, prefix: str) -> list[Path]:
    """Regular files under PREFIX/ only, by their base name: a bundle cannot write elsewhere."""
    written = []
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for info in tar:
            name = Path(info.name)
            if not info.isfile() or name.parts[:1] != (prefix,) or len(name.parts) != 2 or name.name in ("", ".", ".."):
                raise LabError(f"unexpected entry {info.name!r} in the bundle's {prefix} part")
            source = tar.extractfile(info)
            destination = target / name.name
            with destination.open("wb") as handle:
                shutil.copyfileobj(source, handle, CHUNK)
            written.append(destination)
    return written


class _ChunkReader(io.RawIOBase):
    """A file-like view over a part's chunks, for tarfile's stream mode."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._buffer = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size], self._buffer = self._buffer[:size], self._buffer[size:]
        return size


def _part_stream(verified: Verified, what: str) -> BinaryIO:
    return io.BufferedReader(_ChunkReader(verified.read(verified.part(what)["name"])), CHUNK)


def pip_environment() -> dict[str, str]:
    """pip with no index whatever the user's settings: no PIP_* variable (PIP_INDEX_URL,
    PIP_FIND_LINKS...) and no configuration file reach it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def _run(argv: list[str], what: str, hint: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise LabError(what, hint=hint, details=f"$ {' '.join(argv)}\n{result.stdout[-4000:]}")


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def install_packages(verified: Verified, venv: Path, *, project: Path | None = REPO_ROOT, log: Log = _quiet) -> int:
    """The bundle's wheels into VENV (created if missing) with no index, each file pinned by
    its sha256; then labctl itself from the checkout PROJECT (editable, as bootstrap.sh
    installs it), built with the setuptools just installed; then `pip check`. Returns the
    number of wheels. Packages already installed at these versions are left as they are."""
    python = venv_python(venv)
    if not python.exists():
        log(f"creating the virtualenv {venv}")
        _run([sys.executable, "-m", "venv", str(venv)], f"cannot create a virtualenv at {venv}", "install python3-venv (Debian/Ubuntu), then run this again")
    env = pip_environment()
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    with tempfile.TemporaryDirectory(prefix="labctl-wheels-") as scratch:
        files = _safe_extract(_part_stream(verified, "wheels"), Path(scratch), "wheels")
        wheels = [f for f in files if f.suffix == ".whl"]
        log(f"installing {len(wheels)} wheels into {venv}, no index")
        _run([*pip, "install", "--no-index", "--find-links", scratch, "--require-hashes", "--no-deps", "-r", str(Path(scratch) / "requirements.txt")],
             "the bundle's packages could not be installed", "the output above names the package; the bundle was checked whole, so the venv may hold something else: try a new --venv", env)
    if project is not None:
        log(f"installing labctl from {project}, no index")
        _run([*pip, "install", "--no-index", "--no-deps", "--no-build-isolation", "-e", str(project)],
             "labctl could not be installed from this checkout", "run this from the lab's repository", env)
    _run([str(python), "-m", "pip", "--disable-pip-version-check", "check"], "the installed packages do not fit together", "the bundle's lock is incomplete: export it again after scripts/lock.sh", env)
    return len(wheels)


def restore_recording(verified: Verified, recording_dir: Path) -> tuple[list[str], list[str]]:
    """The bundle's recording where the checkout lacks a file of it. A file the checkout has
    with other contents is kept (someone's change) and named. Returns (restored, differing)."""
    restored, differing = [], []
    recording_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="labctl-recording-", dir=recording_dir.parent) as scratch:
        for file in _safe_extract(_part_stream(verified, "recording"), Path(scratch), "recordings"):
            local = recording_dir / file.name
            if not local.exists():
                shutil.move(str(file), local)
                restored.append(file.name)
            elif sha256_file(local) != sha256_file(file):
                differing.append(file.name)
    return restored, differing


def load_images(verified: Verified, engine, log: Log = _quiet) -> list[str]:
    """`docker load` of the images part, streamed to the engine (which unpacks gzip itself);
    then each tag must name the image id the export recorded."""
    part = verified.part("images")
    log(f"loading {part['name']} ({part['size']:,} bytes) into the engine")
    loaded = []
    for message in engine.api.load_image(verified.read(part["name"])):
        if "error" in message or "errorDetail" in message:
            detail = message.get("error") or message["errorDetail"].get("message", "")
            raise LabError(f"the engine refused the bundle's images: {detail}", hint="`docker info`: the engine needs disk space for the unpacked images")
        text = (message.get("stream") or "").strip()
        if text.startswith("Loaded image"):
            loaded.append(text.split(":", 1)[1].strip())
    for image in verified.index["images"]:
        found = engine.images.get(image["tag"]).id
        if found != image["id"]:
            raise LabError(f"{image['tag']} is {found} after the load, the bundle recorded {image['id']}", hint="another image took the tag during the load: import again")
    return loaded


# --- labctl's side: the lab's images, manifest, lock and recording ---------------------------
# (imports of labctl's machinery stay inside: they need the packages an import installs)


def default_venv() -> Path:
    """The virtualenv labctl runs from, else the checkout's .venv (what bootstrap.sh makes)."""
    return Path(sys.prefix) if sys.prefix != sys.base_prefix else REPO_ROOT / ".venv"


def export_lab(manifest, path: Path, engine, *, optional: tuple[str, ...] = (), compress: bool = True, log: Log = _quiet) -> dict:
    """The bundle of this lab: its built images (optional ones when named), the manifest,
    the lock and its wheels, the recording."""
    from labctl.core import images as lab_images
    from labctl.core.manifest import MANIFEST_FILE

    missing = lab_images.missing_images(engine, manifest, optional)
    if missing:
        raise LabError(f"images not built: {', '.join(missing)}", hint=f"`labctl build {' '.join(missing)}` first: a bundle carries built images")
    tags = [manifest.image(spec.name) for spec in lab_images.IMAGES if lab_images.wanted(spec, optional)]
    return export_bundle(
        path, engine=engine, images=tags, lab_version=manifest["LAB_IMAGE_TAG"], manifest_file=MANIFEST_FILE,
        lock_file=REPO_ROOT / "requirements.lock", recording_dir=REPO_ROOT / "seed_data" / "recordings", compress=compress, log=log,
    )


@dataclass
class Imported:
    verified: Verified
    wheels: int
    restored: list[str]
    differing: list[str]
    images: list[str]
    seconds: dict[str, float]


def import_lab(manifest, path: Path, engine, *, venv: Path | None = None, project: Path | None = REPO_ROOT,
               recording_dir: Path = REPO_ROOT / "seed_data" / "recordings", log: Log = _quiet) -> Imported:
    """Check the whole bundle, then install its packages, restore its recording where the
    checkout lacks it, and load its images. Nothing is installed or loaded before every check
    passed; containers, volumes and the lab's state are never touched."""
    seconds = {}
    started = time.monotonic()
    verified = verify(path, Local.here(manifest["LAB_IMAGE_TAG"]), log)
    seconds["verify"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    wheels = install_packages(verified, venv or default_venv(), project=project, log=log)
    seconds["packages"] = round(time.monotonic() - started, 1)
    restored, differing = restore_recording(verified, recording_dir)
    started = time.monotonic()
    loaded = load_images(verified, engine, log)
    seconds["images"] = round(time.monotonic() - started, 1)
    return Imported(verified, wheels, restored, differing, loaded, seconds)


# --- the stdlib entry point of scripts/quickstart.sh --bundle -------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m labctl.core.offline", description="Check a lab bundle and install labctl's packages from it, with no index (before labctl exists).")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("verify", help="check the bundle (index, versions, every checksum)")
    check.add_argument("bundle", type=Path)
    install = sub.add_parser("install", help="check the bundle, then install its wheels and labctl into a virtualenv")
    install.add_argument("bundle", type=Path)
    install.add_argument("--venv", type=Path, default=REPO_ROOT / ".venv")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    try:
        verified = verify(args.bundle, Local.here(), log)
        print(f"bundle {args.bundle}: lab version {verified.index['lab_version']}, {verified.size / 2**20:.0f} MiB, every checksum matches", file=sys.stderr)
        if args.command == "install":
            count = install_packages(verified, args.venv, log=log)
            print(f"{count} packages and labctl installed into {args.venv}, no index contacted", file=sys.stderr)
    except LabError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.details:
            print(exc.details, file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
