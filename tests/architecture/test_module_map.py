"""docs/architecture.md's module map matches the code, by the rule the map states: one entry per
package of labctl/, starting with its path; every module named in its package's entry
(`__init__.py` and `__main__.py` may go unnamed); entries from the bottom layer up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
HEADING = "## The code: module map"
UNNAMED = ("__init__.py", "__main__.py")

_ENTRY = re.compile(r"^- `(labctl/(?:[\w/]+/)?)`")
_MODULE = re.compile(r"`([\w]+\.py)`")


def read_map(text: str) -> dict[str, set[str]]:
    """{package path: the file names its entry names}, in the order of the entries."""
    if HEADING not in text:
        raise AssertionError(f"docs/architecture.md has no section {HEADING!r}")
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    entries: dict[str, set[str]] = {}
    current = None
    for line in section.splitlines():
        entry = _ENTRY.match(line)
        if entry:
            current = entry.group(1)
            if current in entries:
                raise AssertionError(f"{current} has two entries")
            entries[current] = set()
        elif line and not line.startswith(" "):
            current = None  # prose after the list
        if current is not None:
            entries[current] |= set(_MODULE.findall(line))
    return entries


def code_map(shape) -> dict[str, set[str]]:
    """{package path: its modules' file names}, from the files the import graph reads."""
    packages: dict[str, set[str]] = {}
    for path in shape.python_files():
        folder = path.parent.relative_to(ROOT).as_posix() + "/"
        packages.setdefault(folder, set()).add(path.name)
    return packages


@pytest.fixture(scope="module")
def documented():
    return read_map(DOC.read_text(encoding="utf-8"))


def test_every_package_of_labctl_has_an_entry_and_every_entry_is_a_package(shape, documented):
    assert sorted(documented) == sorted(code_map(shape))


def test_every_module_named_in_the_map_exists_in_its_package(shape, documented):
    code = code_map(shape)
    missing = {package: sorted(names - code.get(package, set())) for package, names in documented.items()}
    assert {package: names for package, names in missing.items() if names} == {}


def test_every_module_of_labctl_is_named_in_its_packages_entry(shape, documented):
    unnamed = {
        package: sorted(name for name in names - documented.get(package, set()) if name not in UNNAMED)
        for package, names in code_map(shape).items()
    }
    assert {package: names for package, names in unnamed.items() if names} == {}


def test_the_map_runs_from_the_bottom_layer_up(shape, documented):
    def layer(package: str) -> int:
        parts = package.strip("/").split("/")
        return shape.layer_of(parts[1]) if len(parts) > 1 else -1  # labctl/ itself opens the map

    layers = [layer(package) for package in documented]
    assert None not in layers and layers == sorted(layers)


def test_the_map_reader_follows_the_rule():
    text = (f"{HEADING}\n\nProse naming `prose.py`.\n\n- `labctl/`: `cli.py`.\n- `labctl/core/` (layer 0): `ui.py`,\n"
            "  `errors.py`.\n  - Nested: `proc.py`.\n- `labctl/course/checks/`: `common.py`.\n\nAfter: `after.py`.\n"
            "\n### Next\n- `labctl/lake/`: `fs.py`.\n")
    assert read_map(text) == {"labctl/": {"cli.py"}, "labctl/core/": {"ui.py", "errors.py", "proc.py"},
                              "labctl/course/checks/": {"common.py"}}
