"""The offline bundle (labctl/core/offline.py): its layout and index, every refusal before
anything is loaded or installed, and an import from a small bundle.

No Docker here: the engine is a stand-in that does what `docker save` and `docker load` do
with an image archive (manifest.json, configs, layer tars; an image's id is the sha256 of its
config, a layer must match its config's diff_id), so a damaged stream fails its load as it
would in the engine. The real images go through `smoke_tests/test_x_bundle_offline.py`. The wheels are
real: a wheel built here is installed by pip into a new virtualenv with no index."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from dotenv import dotenv_values
from typer.testing import CliRunner

from labctl.cli import app
from labctl.core import engine as eng
from labctl.core import offline
from labctl.core.errors import LabError
from labctl.core.manifest import MANIFEST_FILE, REPO_ROOT, Manifest

runner = CliRunner()
LOCK = REPO_ROOT / "requirements.lock"
LAB_VERSION = dotenv_values(MANIFEST_FILE)["LAB_IMAGE_TAG"]
TAGS = [f"mastolab/jvm:{LAB_VERSION}", f"mastolab/airflow:{LAB_VERSION}", f"mastolab/postgres:{LAB_VERSION}"]


# --- a stand-in engine that saves and loads image archives as Docker does ----------------------


def _tar_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def image_archive(contents: dict[str, bytes]) -> tuple[bytes, dict[str, str]]:
    """A `docker save` archive of one image per tag (one layer holding CONTENT); the ids."""
    files, manifest, ids = {}, [], {}
    for tag, content in contents.items():
        layer = _tar_bytes({"data/file": content})
        diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
        image_id = hashlib.sha256(config).hexdigest()
        files[f"{diff_id[7:]}/layer.tar"] = layer
        files[f"{image_id}.json"] = config
        manifest.append({"Config": f"{image_id}.json", "RepoTags": [tag], "Layers": [f"{diff_id[7:]}/layer.tar"]})
        ids[tag] = "sha256:" + image_id
    files["manifest.json"] = json.dumps(manifest).encode()
    return _tar_bytes(files), ids


class _Image:
    def __init__(self, image_id: str):
        self.id = image_id


class _Response:
    def __init__(self, data: bytes):
        self._data = data

    def iter_content(self, size):
        for start in range(0, len(self._data), size):
            yield self._data[start:start + size]


class _API:
    def __init__(self, engine):
        self.engine = engine

    def _url(self, path):
        return f"http+docker://localhost/v1.41{path}"

    def _get(self, url, params=None, stream=False):
        assert url.endswith("/images/get") and stream
        self.engine.saved_names = list(params["names"])
        return _Response(self.engine.archive)

    def _raise_for_status(self, response):
        pass

    def load_image(self, data):
        """What the engine does: gunzip if gzipped, check every layer against its config's
        diff_id, name each image by its config's sha256."""
        self.engine.loads += 1
        raw = b"".join(data)
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            read = {member.name: tar.extractfile(member).read() for member in tar.getmembers() if member.isfile()}
        for entry in json.loads(read["manifest.json"]):
            config = read[entry["Config"]]
            diff_ids = json.loads(config)["rootfs"]["diff_ids"]
            for layer, diff_id in zip(entry["Layers"], diff_ids):
                if "sha256:" + hashlib.sha256(read[layer]).hexdigest() != diff_id:
                    yield {"errorDetail": {"message": f"layer {layer} does not match"}, "error": f"layer {layer} does not match"}
                    return
            for tag in entry["RepoTags"]:
                self.engine.tags[tag] = "sha256:" + hashlib.sha256(config).hexdigest()
                yield {"stream": f"Loaded image: {tag}\n"}


class _Images:
    def __init__(self, engine):
        self.engine = engine

    def get(self, tag):
        from docker.errors import ImageNotFound

        if tag not in self.engine.tags:
            raise ImageNotFound(tag)
        return _Image(self.engine.tags[tag])


class FakeEngine:
    def __init__(self, contents: dict[str, bytes] | None = None):
        contents = contents or {tag: f"the {tag} layer".encode() * 50 for tag in TAGS}
        self.archive, ids = image_archive(contents)
        self.tags = dict(ids)
        self.loads = 0
        self.saved_names: list[str] = []
        self.api = _API(self)
        self.images = _Images(self)


# --- wheels: a real one, built here --------------------------------------------------------


def make_wheel(directory: Path, name: str = "classroom_probe", version: str = "1.0") -> Path:
    """A minimal pure-Python wheel pip installs: a module whose VALUE says it was imported."""
    path = directory / f"{name}-{version}-py3-none-any.whl"
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": b"VALUE = 'installed from the bundle'\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{arcname},sha256={hashlib.sha256(data).hexdigest()},{len(data)}\n" for arcname, data in files.items())
    files[f"{dist}/RECORD"] = (record + f"{dist}/RECORD,,\n").encode()
    with zipfile.ZipFile(path, "w") as archive:
        for arcname, data in files.items():
            archive.writestr(arcname, data)
    return path


def wheel_files(directory: Path) -> list[Path]:
    wheel = make_wheel(directory)
    requirements = directory / "requirements.txt"
    requirements.write_text(f"classroom_probe==1.0 --hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}\n")
    return [wheel, requirements]


@pytest.fixture
def recording(tmp_path) -> Path:
    directory = tmp_path / "recording-source"
    directory.mkdir()
    for name in ("toot.example.jsonl.gz", "social.example.jsonl.gz"):
        (directory / name).write_bytes(gzip.compress(f'{{"id": "{name}"}}\n'.encode() * 100))
    return directory


def export(tmp_path: Path, recording: Path, engine: FakeEngine | None = None, *, name: str = "lab.bundle", compress: bool = True, lab_version: str = LAB_VERSION) -> tuple[Path, dict]:
    engine = engine or FakeEngine()
    wheels_dir = tmp_path / f"wheels-{name}"
    wheels_dir.mkdir()
    path = tmp_path / name
    index = offline.export_bundle(
        path, engine=engine, images=TAGS, lab_version=lab_version, manifest_file=MANIFEST_FILE, lock_file=LOCK,
        recording_dir=recording, compress=compress, wheels=wheel_files(wheels_dir),
    )
    return path, index


def here() -> offline.Local:
    return offline.Local(LAB_VERSION, hashlib.sha256(LOCK.read_bytes()).hexdigest(), offline.this_platform())


# --- the file ----------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False])
def test_the_bundle_is_a_tar_whose_index_gives_each_parts_size_and_sha256(tmp_path, recording, compress):
    engine = FakeEngine()
    path, index = export(tmp_path, recording, engine, compress=compress)
    with tarfile.open(path) as tar:
        members = {member.name: tar.extractfile(member).read() for member in tar.getmembers()}
    images = "images.tar.gz" if compress else "images.tar"
    assert list(members) == ["lab.env", "requirements.lock", "recording.tar", "wheels.tar", images, "bundle.json", "bundle.json.sha256"]
    assert hashlib.sha256(members["bundle.json"]).hexdigest() == members["bundle.json.sha256"].decode().strip()
    assert json.loads(members["bundle.json"]) == index
    assert [part["name"] for part in index["parts"]] == list(members)[:5]
    for part in index["parts"]:
        assert part["size"] == len(members[part["name"]]) and part["sha256"] == hashlib.sha256(members[part["name"]]).hexdigest()
    # What each part holds, read back on its own.
    assert members["lab.env"] == MANIFEST_FILE.read_bytes() and members["requirements.lock"] == LOCK.read_bytes()
    saved = gzip.decompress(members[images]) if compress else members[images]
    assert saved == engine.archive and engine.saved_names == TAGS
    with tarfile.open(fileobj=io.BytesIO(members["recording.tar"])) as tar:
        assert {m.name: tar.extractfile(m).read() for m in tar.getmembers()} == {f"recordings/{p.name}": p.read_bytes() for p in recording.iterdir()}
    with tarfile.open(fileobj=io.BytesIO(members["wheels.tar"])) as tar:
        assert sorted(m.name for m in tar.getmembers()) == ["wheels/classroom_probe-1.0-py3-none-any.whl", "wheels/requirements.txt"]
    assert index["lab_version"] == LAB_VERSION and index["lock_sha256"] == hashlib.sha256(LOCK.read_bytes()).hexdigest()
    assert index["images"] == [{"tag": tag, "id": engine.tags[tag]} for tag in TAGS]
    assert index["platform"] == {"python": f"{sys.version_info.major}.{sys.version_info.minor}", "system": os.uname().sysname, "machine": os.uname().machine}
    assert not (tmp_path / "lab.bundle.partial").exists()


def test_the_images_stream_into_the_file_without_being_held_in_memory(tmp_path, recording):
    engine = FakeEngine()
    engine.archive = os.urandom(1 << 20) * 48  # 48 MiB that gzip cannot shrink much
    tracemalloc.start()
    try:
        export(tmp_path, recording, engine)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"the export held {peak / 2**20:.0f} MiB at once"


def test_an_export_that_fails_leaves_no_bundle(tmp_path, recording):
    engine = FakeEngine()

    def broken(names):
        yield b"the start of an archive"
        raise LabError("the engine went away")

    engine.api._get = lambda url, params=None, stream=False: type("R", (), {"iter_content": lambda self, size: broken(params)})()
    with pytest.raises(LabError, match="went away"):
        export(tmp_path, recording, engine)
    assert not (tmp_path / "lab.bundle").exists()


def test_verify_accepts_a_whole_bundle_with_the_standard_library_alone(tmp_path, recording):
    path, index = export(tmp_path, recording)
    assert offline.verify(path, here()).index == index
    # -S: no site-packages, so nothing but the standard library can be imported.
    result = subprocess.run([sys.executable, "-S", "-m", "labctl.core.offline", "verify", str(path)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"lab version {LAB_VERSION}" in result.stderr and "every checksum matches" in result.stderr


def test_the_stdlib_reader_of_the_manifest_agrees_with_labctls():
    for key in ("LAB_IMAGE_TAG", "AIRFLOW_PROVIDERS", "PIPELINE_FEEDS", "LAB_STATE_DIR"):
        assert offline.manifest_value(key, environ={}) == Manifest(environ={})[key]
    assert offline.manifest_value("LAB_IMAGE_TAG", environ={"LAB_IMAGE_TAG": "9.9"}) == Manifest(environ={"LAB_IMAGE_TAG": "9.9"})["LAB_IMAGE_TAG"]


# --- refusals: nothing loaded, nothing installed, the lab as it was --------------------------


def _flip(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def _offset(path: Path, name: str) -> tuple[int, int]:
    with tarfile.open(path) as tar:
        member = tar.getmember(name)
        return member.offset_data, member.size


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as handle:
        handle.truncate(size)


def _attempt_import(path: Path, tmp_path: Path, monkeypatch, local_recording: Path) -> tuple[FakeEngine, list, LabError]:
    """An import of PATH into a lab that is already there: its engine with its own images
    (other ids than the bundle's), a checkout's recording; installing is recorded."""
    engine = FakeEngine({tag: b"the lab already here" for tag in TAGS})
    installed: list = []
    monkeypatch.setattr(offline, "install_packages", lambda *a, **k: installed.append(a) or 0)
    before = (dict(engine.tags), sorted((p.name, p.read_bytes()) for p in local_recording.iterdir()))
    with pytest.raises(LabError) as caught:
        offline.import_lab(Manifest(environ={}), path, engine, venv=tmp_path / "venv", recording_dir=local_recording)
    assert engine.loads == 0 and installed == []
    assert (dict(engine.tags), sorted((p.name, p.read_bytes()) for p in local_recording.iterdir())) == before
    assert "nothing was loaded or installed" in caught.value.message
    return engine, installed, caught.value


@pytest.fixture
def checkout_recording(tmp_path) -> Path:
    directory = tmp_path / "checkout" / "recordings"
    directory.mkdir(parents=True)
    (directory / "toot.example.jsonl.gz").write_bytes(b"a student's own change")
    return directory


@pytest.mark.parametrize("where", ["images", "wheels", "recording.tar"])
def test_a_corrupt_part_is_refused_by_name_before_anything_is_loaded(tmp_path, recording, checkout_recording, monkeypatch, where):
    path, index = export(tmp_path, recording)
    name = next(part["name"] for part in index["parts"] if where in part["name"])
    start, size = _offset(path, name)
    _flip(path, start + size // 2)
    _, _, error = _attempt_import(path, tmp_path, monkeypatch, checkout_recording)
    assert f"its part {name} does not match its checksum" in error.message


@pytest.mark.parametrize("cut", ["inside the images", "just before the index", "inside the index", "inside the index's checksum"])
def test_a_truncated_bundle_is_refused_before_anything_is_loaded(tmp_path, recording, checkout_recording, monkeypatch, cut):
    path, index = export(tmp_path, recording)
    images_start, images_size = _offset(path, "images.tar.gz")
    index_start, index_size = _offset(path, "bundle.json")
    sum_start, sum_size = _offset(path, "bundle.json.sha256")
    size = {
        "inside the images": images_start + images_size // 3,
        "just before the index": index_start - 512,
        "inside the index": index_start + index_size // 2,
        "inside the index's checksum": sum_start + sum_size // 2,
    }[cut]
    _truncate(path, size)
    _, _, error = _attempt_import(path, tmp_path, monkeypatch, checkout_recording)
    assert "truncated" in error.message, error.message


def test_a_changed_index_is_refused(tmp_path, recording, checkout_recording, monkeypatch):
    path, _ = export(tmp_path, recording)
    start, size = _offset(path, "bundle.json")
    _flip(path, start + size // 2)
    _, _, error = _attempt_import(path, tmp_path, monkeypatch, checkout_recording)
    assert "index does not match its checksum" in error.message


def test_a_bundle_of_another_lab_version_is_refused_naming_both(tmp_path, recording, checkout_recording, monkeypatch):
    other = LAB_VERSION + ".1"
    path, _ = export(tmp_path, recording, lab_version=other)
    _, _, error = _attempt_import(path, tmp_path, monkeypatch, checkout_recording)
    assert f"lab version {other}" in error.message and f"lab version {LAB_VERSION}" in error.message


def test_a_bundle_for_another_lock_or_platform_is_refused_naming_both(tmp_path, recording):
    path, index = export(tmp_path, recording)
    other_lock = offline.Local(LAB_VERSION, "0" * 64, offline.this_platform())
    with pytest.raises(LabError, match="another requirements.lock"):
        offline.verify(path, other_lock)
    arm = offline.Local(LAB_VERSION, index["lock_sha256"], {**offline.this_platform(), "machine": "aarch64"})
    with pytest.raises(LabError) as caught:
        offline.verify(path, arm)
    assert f"on Linux {index['platform']['machine']}" in caught.value.message and "Linux aarch64" in caught.value.message


def test_a_file_that_is_not_a_bundle_is_refused(tmp_path):
    junk = tmp_path / "junk.bundle"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(LabError, match="refused"):
        offline.verify(junk, here())
    plain = tmp_path / "plain.tar"
    plain.write_bytes(_tar_bytes({"notes.txt": b"hello"}))
    with pytest.raises(LabError, match="no index"):
        offline.verify(plain, here())
    with pytest.raises(LabError, match="no bundle at"):
        offline.verify(tmp_path / "missing.bundle", here())


# --- importing ---------------------------------------------------------------------------------


def test_an_import_loads_the_images_restores_the_recording_and_keeps_a_changed_file(tmp_path, recording, checkout_recording, monkeypatch):
    exported_from = FakeEngine()
    path, index = export(tmp_path, recording, exported_from)
    target = FakeEngine({})
    target.tags = {}
    calls: list = []
    monkeypatch.setattr(offline, "install_packages", lambda verified, venv, project=None, log=None: calls.append((verified.index, venv, project)) or 1)
    done = offline.import_lab(Manifest(environ={}), path, target, venv=tmp_path / "venv", project=None, recording_dir=checkout_recording)
    assert target.loads == 1 and target.tags == exported_from.tags and sorted(done.images) == sorted(TAGS)
    assert calls == [(index, tmp_path / "venv", None)]
    assert done.restored == ["social.example.jsonl.gz"] and done.differing == ["toot.example.jsonl.gz"]
    assert (checkout_recording / "social.example.jsonl.gz").read_bytes() == (recording / "social.example.jsonl.gz").read_bytes()
    assert (checkout_recording / "toot.example.jsonl.gz").read_bytes() == b"a student's own change"
    assert sorted(p.name for p in checkout_recording.parent.iterdir()) == ["recordings"]


def test_an_image_whose_tag_names_another_id_after_the_load_is_reported(tmp_path, recording):
    path, _ = export(tmp_path, recording)
    verified = offline.verify(path, here())
    engine = FakeEngine({})
    engine.tags = {}
    original = engine.api.load_image

    def load_then_retag(data):
        yield from original(data)
        engine.tags[TAGS[0]] = "sha256:" + "1" * 64

    engine.api.load_image = load_then_retag
    with pytest.raises(LabError, match=TAGS[0].replace(".", r"\.")):
        offline.load_images(verified, engine)


def test_the_engine_refusing_a_layer_is_an_error(tmp_path, recording):
    engine = FakeEngine()
    path, _ = export(tmp_path, recording, engine)
    verified = offline.verify(path, here())
    engine.api.load_image = lambda data: iter([{"error": "no space left on device", "errorDetail": {"message": "no space left on device"}}])
    with pytest.raises(LabError, match="no space left"):
        offline.load_images(verified, engine)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path


def test_the_wheels_install_into_a_virtualenv_with_no_index(tmp_path, recording, venv, monkeypatch):
    path, _ = export(tmp_path, recording)
    verified = offline.verify(path, here())
    # Whatever the user's pip settings say, the install reads only the bundle.
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "elsewhere"))
    assert offline.install_packages(verified, venv, project=None) == 1
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", "import classroom_probe; print(classroom_probe.VALUE)"], capture_output=True, text=True)
    assert probe.stdout.strip() == "installed from the bundle"
    env = offline.pip_environment()
    assert env["PIP_CONFIG_FILE"] == os.devnull and not any(key.startswith("PIP_") and key != "PIP_CONFIG_FILE" for key in env)


def test_a_wheel_that_does_not_match_its_pinned_hash_is_not_installed(tmp_path, recording, venv):
    wheels_dir = tmp_path / "bad-wheels"
    wheels_dir.mkdir()
    wheel = make_wheel(wheels_dir, "classroom_other", "2.0")
    (wheels_dir / "requirements.txt").write_text(f"classroom_other==2.0 --hash=sha256:{'0' * 64}\n")
    path = tmp_path / "bad.bundle"
    offline.export_bundle(path, engine=FakeEngine(), images=TAGS, lab_version=LAB_VERSION, manifest_file=MANIFEST_FILE, lock_file=LOCK,
                          recording_dir=recording, wheels=[wheel, wheels_dir / "requirements.txt"])
    with pytest.raises(LabError, match="could not be installed"):
        offline.install_packages(offline.verify(path, here()), venv, project=None)
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", "import classroom_other"], capture_output=True)
    assert probe.returncode != 0


def test_an_entry_outside_its_part_is_refused():
    stream = io.BytesIO(_tar_bytes({"wheels/../../etc/owned": b"x"}))
    with pytest.raises(LabError, match="unexpected entry"):
        offline._safe_extract(stream, Path("/nonexistent"), "wheels")


# --- the commands ---------------------------------------------------------------------------


def test_bundle_verify_prints_each_part_and_the_whole_size(tmp_path, recording):
    path, index = export(tmp_path, recording)
    result = runner.invoke(app, ["bundle", "verify", str(path)])
    assert result.exit_code == 0, result.output
    for part in index["parts"]:
        assert part["name"] in result.output
    assert "whole file" in result.output


def test_bundle_import_of_a_corrupt_file_says_why_and_exits_1(tmp_path, recording, monkeypatch):
    from labctl.cli import main

    path, _ = export(tmp_path, recording)
    start, size = _offset(path, "images.tar.gz")
    _flip(path, start + size - 1)
    engine = FakeEngine()
    monkeypatch.setattr(eng, "client", lambda **_: engine)
    assert main(["bundle", "import", str(path)]) == 1
    assert engine.loads == 0


def test_bundle_export_refuses_while_an_image_is_not_built(tmp_path, monkeypatch):
    engine = FakeEngine()
    del engine.tags[TAGS[1]]
    monkeypatch.setattr(eng, "client", lambda **_: engine)
    with pytest.raises(LabError, match="images not built: airflow"):
        offline.export_lab(Manifest(environ={}), tmp_path / "x.bundle", engine)
    assert not list(tmp_path.iterdir())


def test_quickstart_with_a_corrupt_bundle_stops_at_the_check(tmp_path, recording):
    path, _ = export(tmp_path, recording)
    start, size = _offset(path, "wheels.tar")
    _flip(path, start + size // 2)
    before = sorted(p.name for p in REPO_ROOT.iterdir())
    result = subprocess.run(["bash", str(REPO_ROOT / "scripts/quickstart.sh"), "--bundle", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "its part wheels.tar does not match its checksum" in result.stderr
    assert "creating the virtualenv" not in result.stderr and sorted(p.name for p in REPO_ROOT.iterdir()) == before
    usage = subprocess.run(["bash", str(REPO_ROOT / "scripts/quickstart.sh"), "--bundle"], capture_output=True, text=True, timeout=30)
    assert usage.returncode == 2 and "needs a FILE" in usage.stderr
