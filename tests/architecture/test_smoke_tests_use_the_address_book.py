"""The smoke tests reach the lab as labctl does: URLs from the address book
(labctl/core/addresses.py), HBase connections from the client factory (labctl/core/clients.py).
They still call the web UIs and REST APIs with requests: what those answer is what they test."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Strings that look like an endpoint and are none of the lab's, each with its reason.
NOT_LAB_ENDPOINTS = {
    ("smoke_tests/test_x_bundle_offline.py", "http://127.0.0.1:9"): "a closed port: pip must find no index",
}


def _spelled(shape, path: Path, root: Path = ROOT) -> list[tuple[int, str, str]]:
    """(line, kind, text) of each URL to a lab host and each lab port spelled in a smoke test;
    a bare service name is a container's or a parameter's, not an address. Whole strings are
    searched: a script run on the edge node is one long string."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = shape._docstrings(tree)
    where = path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        if isinstance(node.value, str):
            for kind, text in shape._string_findings(node.value):
                if (kind == "port" or (kind == "host" and "://" in text)) and (where, text) not in NOT_LAB_ENDPOINTS:
                    found.append((node.lineno, kind, text))
        elif isinstance(node.value, int) and not isinstance(node.value, bool) and node.value in shape.PORTS:
            found.append((node.lineno, "port", str(node.value)))
    return found


def test_smoke_tests_spell_no_url_or_port_of_the_lab(shape):
    files = shape.python_files(folders=("smoke_tests",))
    assert files, "no smoke test found: the test would prove nothing"
    found = [f"{path.relative_to(ROOT).as_posix()}:{line}: {kind} {text[:80]!r}"
             for path in files for line, kind, text in _spelled(shape, path)]
    assert found == [], "ask labctl/core/addresses.py instead:\n" + "\n".join(found)


def test_smoke_tests_open_hbase_through_the_client_factory(shape):
    opened = []
    for path in shape.python_files(folders=("smoke_tests",)):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Connection"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "happybase"):
                opened.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}")
    assert opened == []


def test_the_smoke_finder_sees_urls_and_ports_and_lets_names_be(shape, tmp_path):
    module = tmp_path / "smoke_tests" / "test_x.py"
    module.parent.mkdir()
    module.write_text(
        'REPLAY = "http://mastodon-replay:8000/x"\n'
        'SCRIPT = """import json\n# a script long enough to pass the eighty characters a report line keeps\nclient = InsecureClient(\'http://namenode:9870\')"""\n'
        'SERVICE = "notebook"\nKEY = {"namenode": 1}\nPORT = 9090\n'
    )
    kinds = [(line, kind) for line, kind, _ in _spelled(shape, module, tmp_path)]
    assert sorted(kinds) == [(1, "host"), (2, "host"), (7, "port")]
