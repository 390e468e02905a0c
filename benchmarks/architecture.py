"""The shape of labctl/, measured with the standard library's `ast`: `python benchmarks/architecture.py [--json]`.

Prints what issue 17's closing note compares before and after:
- the import loops: strongly connected groups of modules, and of packages, that import each other
  (every import counts, those inside functions and under TYPE_CHECKING too: a lazy import that
  dodges a loop is still the loop);
- imports that go up the layers (LAYERS: a package may import its own layer and those below);
- the largest modules, in lines;
- literal endpoints outside the address book: host and service names, ports, JMX bean names and
  the compose project name spelled in the code of labctl/ and dags/ (docstrings are prose and
  not counted);
- the lines of code of labctl/ (non-blank lines of its .py files).

tests/architecture/ holds labctl/ to the rules this script measures; both read its functions.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "labctl"
# Teaching material students copy into their own workspace: read like docs, not part of the package graph.
EXCLUDED = ("labctl/course/exercises/",)

# From the bottom up: a package may import its own layer and the layers below it, never one above.
# core: the manifest and its address book, errors, output, processes, the engine, the clients.
# Then the libraries that know one thing each (the lake, the jobs, the governance rules, the
# data generator, the oracle), those that combine them (collection, HBase), the pipeline's
# steps, the course, the command modules and, on top, the command line.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__", "core"),  # labctl/__init__.py holds the version only
    ("lake", "jobs", "oracle", "seedgen", "alerts"),
    ("governance",),
    ("collect", "hbase", "replay"),
    ("pipeline",),
    ("course",),
    ("commands",),
    ("cli", "__main__"),
)

# Where endpoints may be spelled: the address book itself (the lab's manifest and the reader of
# a cluster profile, whose keys are the services' names).
ADDRESS_BOOK = ("labctl/core/manifest.py", "labctl/core/addresses.py", "labctl/core/profile.py")
# Strings that look like an endpoint and are something else, each with its reason.
NOT_ENDPOINTS = {
    ("labctl/core/images.py", "postgres"): "an image's name (the service has the same)",
    ("labctl/core/images.py", "notebook"): "an image's name (the service has the same)",
    ("labctl/core/versions.py", "notebook"): "an image's constraints file",
}

# The lab's services (host names on its network), their ports inside it and published, and what
# else names a place: loopback, the compose project, JMX beans.
HOSTS = (
    "namenode", "datanode", "resourcemanager", "nodemanager", "historyserver", "zookeeper",
    "hbase-master", "regionserver", "hbase-thrift", "postgres", "airflow-apiserver",
    "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "mastodon-replay",
    "alert-sink", "notebook", "localhost", "127.0.0.1",
)
PORTS = (
    8020, 9870, 9864, 9866, 9867, 8032, 8088, 8042, 8045, 10020, 19888, 2181, 16000, 16010, 16020,
    16030, 16033, 9090, 5432, 8080, 8000, 8025, 8888,
)
PROJECT = "mastolab"
BEAN = re.compile(r"\b(Hadoop|java\.lang|JMImplementation):(service|type)=")
_HOST_IN_TEXT = re.compile(r"(?:^|//|@)(" + "|".join(re.escape(h) for h in HOSTS) + r")(?=[:/]|$)")
_PORT_IN_TEXT = re.compile(r":(" + "|".join(str(p) for p in PORTS) + r")\b")


def python_files(root: Path = ROOT, folders: tuple[str, ...] = (PACKAGE,)) -> list[Path]:
    files = sorted(f for folder in folders for f in (root / folder).rglob("*.py"))
    return [f for f in files if not any(f.relative_to(root).as_posix().startswith(x) for x in EXCLUDED)]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


# --- the import graph -------------------------------------------------------------------------


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """labctl's modules and the labctl modules each imports (a package's name stands for its __init__)."""
    files = python_files(root)
    modules = {module_name(f, root): f for f in files}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if _is_package(path) else name.rpartition(".")[0]
        for target in _imports(ast.parse(path.read_text(encoding="utf-8")), package):
            resolved = _resolve(target, modules)
            if resolved and resolved != name:
                graph[name].add(resolved)
    return graph


def _imports(tree: ast.AST, package: str) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}"  # a module, or a name in `base`: _resolve decides


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def package_of(module: str) -> str:
    """The labctl package a module belongs to (`core`, `collect`...), or the top-level module's name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        packages[package_of(module)]
        for target in targets:
            if package_of(target) != package_of(module):
                packages[package_of(module)].add(package_of(target))
    return dict(packages)


def loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan), each sorted, largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found, key=lambda group: (-len(group), group))


def layer_of(package: str) -> int | None:
    return next((number for number, layer in enumerate(LAYERS) if package in layer), None)


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) module pairs where a package imports one that sits above it."""
    upward = []
    for module, targets in sorted(graph.items()):
        low = layer_of(package_of(module))
        for target in sorted(targets):
            high = layer_of(package_of(target))
            if low is None or high is None or high > low:
                upward.append((module, target))
    return upward


def unplaced_packages(graph: dict[str, set[str]]) -> list[str]:
    return sorted({package_of(module) for module in graph if layer_of(package_of(module)) is None})


# --- sizes ------------------------------------------------------------------------------------


def lines_of(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def largest_modules(count: int = 10, root: Path = ROOT) -> list[tuple[str, int]]:
    sizes = [(f.relative_to(root).as_posix(), len(f.read_text(encoding="utf-8").splitlines())) for f in python_files(root)]
    return sorted(sizes, key=lambda item: -item[1])[:count]


def lines_of_code(root: Path = ROOT) -> int:
    return sum(lines_of(f) for f in python_files(root))


# --- literal endpoints --------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    path: str
    line: int
    what: str  # host, port, bean, project
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} {self.text!r}"


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                ids.add(id(body[0].value))
    return ids


def _string_findings(text: str) -> Iterator[tuple[str, str]]:
    if text in HOSTS or _HOST_IN_TEXT.search(text) or "localhost" in text or "127.0.0.1" in text:
        yield "host", text
    elif _PORT_IN_TEXT.search(text) or (text.isdigit() and int(text) in PORTS):
        yield "port", text
    if BEAN.search(text):
        yield "bean", text
    if text == PROJECT or text.startswith(PROJECT + "/") or f"={PROJECT}" in text:
        yield "project", text


def literals_in(path: Path, root: Path = ROOT) -> list[Literal]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    where = path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        value = node.value
        if isinstance(value, str):
            found += [Literal(where, node.lineno, what, text[:80]) for what, text in _string_findings(value)]
        elif isinstance(value, int) and not isinstance(value, bool) and value in PORTS:
            found.append(Literal(where, node.lineno, "port", str(value)))
    return found


def literal_endpoints(root: Path = ROOT, allowed: Iterable[str] = ADDRESS_BOOK) -> list[Literal]:
    allowed = set(allowed)
    return [
        literal
        for path in python_files(root, (PACKAGE, "dags"))
        if path.relative_to(root).as_posix() not in allowed
        for literal in literals_in(path, root)
        if (literal.path, literal.text) not in NOT_ENDPOINTS
    ]


# --- the report ---------------------------------------------------------------------------------


def measure(root: Path = ROOT) -> dict:
    graph = import_graph(root)
    endpoints = literal_endpoints(root)
    return {
        "module_loops": loops(graph),
        "package_loops": loops(package_graph(graph)),
        "upward_imports": [f"{a} -> {b}" for a, b in upward_imports(graph)],
        "unplaced_packages": unplaced_packages(graph),
        "largest_modules": largest_modules(root=root),
        "literal_endpoints": len(endpoints),
        "literal_endpoints_by_module": _count_by_module(endpoints),
        "literal_endpoint_lines": [str(e) for e in endpoints],
        "modules": len(graph),
        "lines_of_code": lines_of_code(root),
    }


def _count_by_module(endpoints: list[Literal]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for literal in endpoints:
        counts[literal.path] += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="Everything as one JSON document.")
    parser.add_argument("--all", action="store_true", help="List every literal endpoint, not only the count per module.")
    args = parser.parse_args(argv)
    figures = measure()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"labctl/: {figures['modules']} modules, {figures['lines_of_code']} lines of code (non-blank)")
    print(f"\nimport loops between modules: {len(figures['module_loops'])}")
    for group in figures["module_loops"]:
        print("  " + " <-> ".join(group))
    print(f"import loops between packages: {len(figures['package_loops'])}")
    for group in figures["package_loops"]:
        print("  " + " <-> ".join(group))
    print(f"imports of a package above the importer's layer: {len(figures['upward_imports'])}")
    for edge in figures["upward_imports"]:
        print(f"  {edge}")
    if figures["unplaced_packages"]:
        print(f"packages in no layer: {', '.join(figures['unplaced_packages'])}")
    print("\nlargest modules (lines):")
    for path, lines in figures["largest_modules"]:
        print(f"  {lines:5d}  {path}")
    print(f"\nliteral endpoints outside the address book: {figures['literal_endpoints']}")
    if args.all:
        for line in figures["literal_endpoint_lines"]:
            print(f"  {line}")
    else:
        for path, count in figures["literal_endpoints_by_module"].items():
            print(f"  {count:4d}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
