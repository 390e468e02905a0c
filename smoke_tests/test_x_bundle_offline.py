"""The offline bundle on the real lab (docs/classroom.md): export it, refuse a corrupt, a
truncated and another version's bundle leaving the lab as it was, then take the import path
with no registry reachable and start the lab from it without building.

The cheapest honest proof on a machine whose lab is running: the lab's image tags are
removed (the images stay, held by a keep tag and by the running containers), so that only
the import can give them back, and must give them back with the ids the export recorded;
labctl's packages go into a new virtualenv from the bundle's wheels alone, with every proxy
pointing at a closed port and an empty package index; that virtualenv's labctl (its compose
binary and Docker SDK from the wheels) runs `labctl up --no-build`, which fails if an image
is missing, and reads HBase through Thrift. The pipeline is not run again: the images are the
same by id as those the other smoke files run it on. What this cannot show is a load into an
engine that has none of the layers: docs/classroom.md gives that time, measured on an empty
second engine. It reads the published run the pipeline files leave (hence its name, after
theirs). Cost: about 5 minutes (docs/testing.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from docker.errors import ImageNotFound

from labctl.core import engine as eng
from labctl.core import images, lab, offline
from labctl.core.manifest import PROJECT_NAME, REPO_ROOT

KEEP_TAG = "bundle-smoke-keep"
CLOSED = "http://127.0.0.1:9"


def _no_registry(tmp: Path) -> dict[str, str]:
    """Every way out to a registry closed: proxies on a closed port (loopback still direct,
    for the lab's own ports), pip pointed at an empty index."""
    empty = tmp / "empty-index"
    empty.mkdir(exist_ok=True)
    env = {**os.environ, "PIP_INDEX_URL": empty.as_uri(), "PIP_FIND_LINKS": str(empty), "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env[variable] = CLOSED
    env.pop("PYTHONPATH", None)
    return env


def _labctl(python: str, *argv: str, env: dict[str, str] | None = None, timeout: float = 1200) -> subprocess.CompletedProcess:
    # Wide enough that Rich does not wrap a message the assertions read.
    env = {**(os.environ if env is None else env), "COLUMNS": "1000"}
    return subprocess.run([python, "-m", "labctl", *argv], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def _lab_state(manifest) -> tuple[dict, dict]:
    """The id behind each of the lab's image tags, and each container's id and state (a
    recreated container keeps its name, not its id)."""
    engine = eng.client()
    tags = {}
    for spec in images.IMAGES:
        try:
            tags[manifest.image(spec.name)] = engine.images.get(manifest.image(spec.name)).id
        except ImageNotFound:
            tags[manifest.image(spec.name)] = None
    containers = {c.name: (c.id, c.status) for c in engine.containers.list(all=True, filters={"label": f"com.docker.compose.project={PROJECT_NAME}"})}
    return tags, containers


@pytest.fixture(scope="module")
def bundle(lab_stack, tmp_path_factory):
    path = tmp_path_factory.mktemp("bundle") / "lab.bundle"
    index = offline.export_lab(lab_stack, path, eng.client(timeout=3600))
    yield path, index
    path.unlink(missing_ok=True)


def test_the_export_carries_every_image_of_the_lab_with_its_id_and_each_part_checks(bundle, lab_stack):
    path, index = bundle
    engine = eng.client()
    wanted = [lab_stack.image(spec.name) for spec in images.IMAGES if images.wanted(spec)]
    assert [(image["tag"], image["id"]) for image in index["images"]] == [(tag, engine.images.get(tag).id) for tag in wanted]
    with tarfile.open(path) as tar:
        for part in index["parts"]:
            digest = hashlib.sha256()
            reader = tar.extractfile(part["name"])
            for chunk in iter(lambda: reader.read(1 << 20), b""):
                digest.update(chunk)
            assert digest.hexdigest() == part["sha256"], part["name"]
    print(json.dumps({part["name"]: part["size"] for part in index["parts"]} | {"whole file": path.stat().st_size, "seconds": index["seconds"]}))


def test_corrupt_truncated_and_other_version_bundles_are_refused_and_the_lab_is_untouched(bundle, lab_stack, tmp_path):
    path, index = bundle
    before = _lab_state(lab_stack)
    images_part = next(part for part in index["parts"] if part["what"] == "images")
    with tarfile.open(path) as tar:
        offset = tar.getmember(images_part["name"]).offset_data + images_part["size"] // 2
    truncated = tmp_path / "truncated.bundle"
    with path.open("rb") as source, truncated.open("wb") as target:
        left = offset
        while left:
            left -= target.write(source.read(min(left, 1 << 20)))

    def flip(at: int) -> None:
        with path.open("r+b") as handle:
            handle.seek(at)
            byte = handle.read(1)
            handle.seek(at)
            handle.write(bytes([byte[0] ^ 0xFF]))

    flip(offset)
    try:
        corrupt = _labctl(sys.executable, "bundle", "import", str(path))
    finally:
        flip(offset)
    assert corrupt.returncode == 1 and f"its part {images_part['name']} does not match its checksum" in corrupt.stderr, corrupt.stderr
    cut = _labctl(sys.executable, "bundle", "import", str(truncated))
    assert cut.returncode == 1 and "truncated" in cut.stderr, cut.stderr
    other = f"{index['lab_version']}-other"
    versioned = _labctl(sys.executable, "bundle", "import", str(path), env={**os.environ, "LAB_IMAGE_TAG": other})
    assert versioned.returncode == 1, versioned.stderr
    assert f"lab version {index['lab_version']}" in versioned.stderr and f"lab version {other}" in versioned.stderr
    assert _lab_state(lab_stack) == before


def test_the_import_with_no_registry_gives_back_the_images_and_the_lab_starts_without_building(bundle, lab_stack, tmp_path):
    path, index = bundle
    engine = eng.client()
    tags = [image["tag"] for image in index["images"]]
    workers = lab.running_workers(lab_stack)
    before_containers = _lab_state(lab_stack)[1]
    reference = _labctl(sys.executable, "query", "totals", "--json")
    assert reference.returncode == 0, f"this test reads a published run (test_pipeline_e2e.py leaves one, or `labctl run`): {reference.stderr}"
    for tag in tags:
        engine.images.get(tag).tag(tag.rsplit(":", 1)[0], KEEP_TAG)
    try:
        for tag in tags:
            engine.images.remove(tag)
        assert images.missing_images(engine, lab_stack) == [spec.name for spec in images.IMAGES if images.wanted(spec)]
        env = _no_registry(tmp_path)
        venv = tmp_path / "venv"
        packages = subprocess.run(["python3", "-m", "labctl.core.offline", "install", str(path), "--venv", str(venv)], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert packages.returncode == 0, packages.stderr
        python = str(venv / "bin" / "python")
        imported = _labctl(python, "bundle", "import", str(path), env=env)
        assert imported.returncode == 0, imported.stderr
        assert {tag: engine.images.get(tag).id for tag in tags} == {image["tag"]: image["id"] for image in index["images"]}
        started = _labctl(python, "up", "--no-build", "--workers", str(workers), env=env)
        assert started.returncode == 0, started.stderr
        # The same containers: nothing was rebuilt or recreated.
        assert _lab_state(lab_stack)[1] == before_containers
        answered = _labctl(python, "query", "totals", "--json", env=env)
        assert answered.returncode == 0 and json.loads(answered.stdout) == json.loads(reference.stdout), answered.stderr
    finally:
        for tag in tags:
            repository = tag.rsplit(":", 1)[0]
            try:
                engine.images.get(tag)
            except ImageNotFound:
                engine.images.get(f"{repository}:{KEEP_TAG}").tag(repository, tag.rsplit(":", 1)[1])
            engine.images.remove(f"{repository}:{KEEP_TAG}")
