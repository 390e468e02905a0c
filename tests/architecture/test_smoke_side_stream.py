"""The smoke files that run beside the others (smoke_tests/side_stream.py) keep to spaces of
their own: none of them drives the pipeline, the lab's life or its shared services, which the
files of the main session read. A side file that starts doing so must leave the list."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "smoke_tests"))

import side_stream  # noqa: E402

# What changes what the main session's files read: DAG runs and their pause state, the lab's
# containers, the replay server, the lake's shared zones.
LABCTL_COMMANDS = {"run", "deploy", "seed", "gdpr", "up", "down", "feeds", "replay", "bundle", "lake", "collect", "ingest"}
MODULE_CALLS = {("runs", name) for name in ("trigger", "quiesce", "pause", "unpause", "clear", "wait_idle")} | {
    ("lab", "up"), ("lab", "down"), ("replay", "apply"),
}


def _findings(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
            if (function.value.id, function.attr) in MODULE_CALLS:
                found.append(f"{path.name}:{node.lineno} {function.value.id}.{function.attr}()")
            if function.attr == "stop":
                found.append(f"{path.name}:{node.lineno} .stop()")
        if isinstance(function, ast.Name) and function.id in ("main", "labctl") and node.args:
            first = node.args[0]
            words = [element.value for element in first.elts if isinstance(element, ast.Constant)] \
                if isinstance(first, ast.List) else [first.value] if isinstance(first, ast.Constant) else []
            if words and words[0] in LABCTL_COMMANDS:
                found.append(f"{path.name}:{node.lineno} labctl {words[0]}")
    return found


def test_every_listed_file_exists_and_is_listed_once():
    listed = [*side_stream.SIDE_FILES, *side_stream.WAIT_FOR_SIDE]
    assert len(listed) == len(set(listed))
    assert all((ROOT / "smoke_tests" / name).is_file() for name in listed), listed


def test_side_files_drive_no_pipeline_run_nor_the_labs_life():
    found = [finding for name in side_stream.SIDE_FILES for finding in _findings(ROOT / "smoke_tests" / name)]
    assert found == []


def test_the_check_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text('main(["run"])\nruns.quiesce(api)\nvictim.stop(timeout=10)\nmain(["query", "totals"])\n')
    assert _findings(sample) == ["test_sample.py:1 labctl run", "test_sample.py:2 runs.quiesce()", "test_sample.py:3 .stop()"]
