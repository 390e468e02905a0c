"""Erasure in its parts (labctl/governance/): ingestion reads the erased-accounts list and
reaches nothing else of erasure, and the names callers import from erasure.py still are there."""

from __future__ import annotations

import importlib

# The machinery of forget and purge: what ingestion must never load.
ERASURE_MACHINERY = {
    "labctl.governance.erasure",
    "labctl.governance.journal",
    "labctl.governance.audit",
    "labctl.governance.rewrites",
    "labctl.governance.residue",
}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_ingestion_reaches_the_erased_list_and_none_of_the_erasure_machinery(shape):
    graph = shape.import_graph()
    ingestion = [module for module in graph if module.startswith("labctl.collect")]
    assert ingestion, "labctl/collect/ has no module: the test would prove nothing"
    reached = {module: sorted(_reachable(graph, module) & ERASURE_MACHINERY) for module in ingestion}
    assert {module: found for module, found in reached.items() if found} == {}
    assert any("labctl.governance.erased" in graph[module] for module in ingestion)


def test_the_reachability_walk_follows_imports_of_imports():
    graph = {"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a"}}
    assert _reachable(graph, "a") == {"b", "c"}


def test_every_part_of_erasure_exists_and_erasure_still_offers_what_its_callers_import():
    for part in ("handles", "redact", "erased", "rewrites", "journal", "audit", "residue", "erasure"):
        importlib.import_module(f"labctl.governance.{part}")
    erasure = importlib.import_module("labctl.governance.erasure")
    for name in ("ERASED", "ErasureError", "ErasureReport", "Needles", "account_handle", "canonical_handle",
                 "forget", "purge_statuses", "read_audit_log", "recover"):
        assert name in erasure.__all__ and hasattr(erasure, name), name
