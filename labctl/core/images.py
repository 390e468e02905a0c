"""Build the lab's images in order, through the Docker SDK: nothing is pulled.

    base (debian:bookworm-slim, or a bookworm root fs bootstrapped here)
      -> jvm (Hadoop, HBase, ZooKeeper from Maven Central) -> airflow (edge node)
      -> postgres

The repository is the build context (.dockerignore keeps it small). An optional
CA bundle, for networks behind a TLS-intercepting proxy, is put at
stack/.build/ca-bundle.crt for the builder stages only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import APIError, BuildError, DockerException, ImageNotFound

from labctl.core.errors import LabError
from labctl.core.manifest import IMAGE_NAMESPACE, REPO_ROOT, STACK_DIR, Manifest
from labctl.core.proc import run

UPSTREAM_BASE = "debian:bookworm-slim"
LOCAL_BASE = f"{IMAGE_NAMESPACE}/bookworm:local"
CA_TARGET = STACK_DIR / ".build" / "ca-bundle.crt"
DEBIAN_MIRROR = "http://deb.debian.org/debian"


@dataclass(frozen=True)
class ImageSpec:
    name: str
    dockerfile: str
    buildargs: Callable[[Manifest, str], dict[str, str]]
    # Built only when asked for (`labctl build notebook`, `labctl up --with notebook`).
    optional: bool = False


IMAGES = (
    ImageSpec(
        "jvm",
        "stack/images/jvm/Dockerfile",
        lambda m, base: {
            "BASE_IMAGE": base,
            **{k: m[k] for k in ("HADOOP_VERSION", "HBASE_VERSION", "HBASE_HADOOP3_VERSION", "ZOOKEEPER_VERSION")},
        },
    ),
    ImageSpec(
        "airflow",
        "stack/images/airflow/Dockerfile",
        lambda m, base: {"BASE_IMAGE": base, "JVM_IMAGE": m.image("jvm"), "AIRFLOW_VERSION": m["AIRFLOW_VERSION"], "AIRFLOW_PROVIDERS": m["AIRFLOW_PROVIDERS"]},
    ),
    ImageSpec("postgres", "stack/images/postgres/Dockerfile", lambda m, base: {"BASE_IMAGE": base, "POSTGRES_VERSION": m["POSTGRES_VERSION"]}),
    ImageSpec(
        "notebook",
        "stack/images/notebook/Dockerfile",
        lambda m, base: {"BASE_IMAGE": base, "NOTEBOOK_PACKAGES": m["NOTEBOOK_PACKAGES"]},
        optional=True,
    ),
)
# Images built only when asked for (`labctl bundle export --with NAME` carries them).
OPTIONAL_IMAGES = tuple(spec.name for spec in IMAGES if spec.optional)
# Every image repository the lab makes (`labctl clean` removes these and nothing else).
LAB_REPOSITORIES = frozenset({f"{IMAGE_NAMESPACE}/{spec.name}" for spec in IMAGES} | {LOCAL_BASE.split(":")[0]})


def wanted(spec: ImageSpec, optional: tuple[str, ...] | list[str] | set[str] = ()) -> bool:
    return not spec.optional or spec.name in optional



def missing_images(engine: docker.DockerClient, manifest: Manifest, optional=()) -> list[str]:
    """The lab's images not built yet; optional ones only when they are wanted."""
    missing = []
    for spec in IMAGES:
        if not wanted(spec, optional):
            continue
        try:
            engine.images.get(manifest.image(spec.name))
        except ImageNotFound:
            missing.append(spec.name)
    return missing


def choose_base(engine: docker.DockerClient, log: Callable[[str], None]) -> str:
    """debian:bookworm-slim when the engine has it or can pull it, else a local bootstrap."""
    forced = os.environ.get("LAB_BASE_IMAGE")
    if forced:
        return forced
    for candidate in (UPSTREAM_BASE, LOCAL_BASE):
        try:
            engine.images.get(candidate)
            return candidate
        except ImageNotFound:
            pass
    try:
        engine.images.pull(UPSTREAM_BASE)
        return UPSTREAM_BASE
    except (APIError, DockerException):
        log(f"{UPSTREAM_BASE} cannot be pulled here: bootstrapping a bookworm base with debootstrap")
    bootstrap_base()
    return LOCAL_BASE


def bootstrap_base() -> None:
    if os.geteuid() != 0:
        raise LabError(
            f"no base image: {UPSTREAM_BASE} cannot be pulled and bootstrapping one needs root",
            hint=f"`docker pull {UPSTREAM_BASE}` where a registry is reachable, or run `sudo labctl build`",
        )
    if shutil.which("debootstrap") is None:
        run(["apt-get", "install", "-y", "-qq", "debootstrap"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    mirror = os.environ.get("LAB_DEBIAN_MIRROR", DEBIAN_MIRROR)
    with tempfile.TemporaryDirectory(prefix="mastolab-rootfs-") as rootfs:
        run(["debootstrap", "--variant=minbase", "--include=ca-certificates", "bookworm", rootfs, mirror], timeout=1200)
        # apt's lists and caches are rebuilt by every Dockerfile that needs them.
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            shutil.rmtree(Path(rootfs) / leftover, ignore_errors=True)
        tar = run(["bash", "-c", f"tar -C {rootfs} -c . | docker import - {LOCAL_BASE}"], timeout=600)
        del tar


def stage_ca_bundle(ca_bundle: Path | None) -> None:
    """The builder stages COPY this file; an empty one means "no extra CA"."""
    CA_TARGET.parent.mkdir(parents=True, exist_ok=True)
    if ca_bundle is None:
        CA_TARGET.write_text("")
        return
    if not ca_bundle.is_file():
        raise LabError(f"CA bundle {ca_bundle} does not exist", hint="pass a PEM file with --ca-bundle or LAB_CA_BUNDLE")
    shutil.copyfile(ca_bundle, CA_TARGET)


def build_image(engine: docker.DockerClient, manifest: Manifest, spec: ImageSpec, base: str, on_line: Callable[[str], None], no_cache: bool = False) -> None:
    tag = manifest.image(spec.name)
    try:
        for chunk in engine.api.build(
            path=str(REPO_ROOT),
            dockerfile=spec.dockerfile,
            tag=tag,
            buildargs=spec.buildargs(manifest, base),
            rm=True,
            forcerm=True,
            nocache=no_cache,
            decode=True,
            labels={"org.mastodon-lab.version": manifest["LAB_IMAGE_TAG"]},
        ):
            if "error" in chunk:
                raise BuildError(chunk["error"], [])
            line = (chunk.get("stream") or "").rstrip()
            if line:
                on_line(line)
    except BuildError as exc:
        raise LabError(f"building {tag} failed: {exc.msg}", hint=f"rebuild with `labctl build {spec.name}` after fixing the cause") from exc


def build_all(engine, manifest: Manifest, *, only: list[str] | None, ca_bundle: Path | None, no_cache: bool, log: Callable[[str], None], on_line: Callable[[str], None]) -> list[str]:
    stage_ca_bundle(ca_bundle)
    base = choose_base(engine, log)
    built = []
    for spec in IMAGES:
        if (only and spec.name not in only) or (not only and spec.optional):
            continue
        log(f"building {manifest.image(spec.name)} from {base}")
        build_image(engine, manifest, spec, base, on_line, no_cache)
        built.append(spec.name)
    return built


def default_ca_bundle() -> Path | None:
    """LAB_CA_BUNDLE, else the bundle pip is told to trust (PIP_CERT), else none."""
    for variable in ("LAB_CA_BUNDLE", "PIP_CERT"):
        value = os.environ.get(variable)
        if value and Path(value).is_file():
            return Path(value)
    return None
