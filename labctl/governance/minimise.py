"""Data minimisation at ingestion: a status keeps only the inventory's kept fields.

The keep-list is compiled once into a tree that mirrors the Status entity, and the
minimiser walks that tree, never the record: it reads the fields it keeps and no others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Union

from labctl.governance.inventory import INVENTORY_BY_PATH, inventory_version, kept_paths


class _Leaf:
    """Keep the value as it is."""

    def __repr__(self) -> str:
        return "LEAF"


class _Status:
    """A nested Status (the boosted original): minimise it with the whole tree again."""

    def __repr__(self) -> str:
        return "STATUS"


LEAF = _Leaf()
STATUS = _Status()


@dataclass(frozen=True)
class ListOf:
    item: "KeepNode"


KeepNode = Union[_Leaf, _Status, ListOf, dict[str, "KeepNode"]]

_RECURSIVE_PATHS = {"reblog"}


class UnknownFieldError(ValueError):
    """A keep-list names a field the inventory (and so the GDPR register) does not list."""


def compile_keep_tree(paths: Iterable[str]) -> dict[str, KeepNode]:
    """The tree of a keep-list; every path must be in the inventory."""
    tree: dict[str, KeepNode] = {}
    for path in sorted(set(paths), key=lambda p: (p.count("."), p)):
        if path not in INVENTORY_BY_PATH:
            raise UnknownFieldError(
                f"field {path!r} is not in the field inventory (labctl/governance/inventory.py): "
                "add it there with its purpose, so the GDPR register lists it, before keeping it"
            )
        _insert(tree, path.split("."), path)
    return tree


def _insert(tree: dict[str, KeepNode], parts: list[str], path: str) -> None:
    head, rest = parts[0], parts[1:]
    is_list = head.endswith("[]")
    key = head[:-2] if is_list else head
    if not rest:
        tree[key] = STATUS if path in _RECURSIVE_PATHS else (ListOf(LEAF) if is_list else LEAF)
        return
    node = tree.get(key)
    if node is LEAF:  # a whole object is already kept: nothing narrower to add
        return
    if is_list:
        if not isinstance(node, ListOf):
            node = tree[key] = ListOf({})
        inner = node.item
        assert isinstance(inner, dict)
        _insert(inner, rest, path)
    else:
        if not isinstance(node, dict):
            node = tree[key] = {}
        _insert(node, rest, path)


def _wrong_shape(value: Any) -> Any:
    """A value whose shape the tree does not expect: scalars stay (so a malformed record stays
    malformed in the same way for the jobs to count), containers are emptied so nothing unlisted
    slips through inside them."""
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    return value


class Minimiser:
    def __init__(self, paths: Iterable[str] | None = None):
        chosen = tuple(kept_paths() if paths is None else paths)
        self.tree = compile_keep_tree(chosen)
        self.paths = tuple(sorted(set(chosen)))
        self.version = inventory_version(self.paths)

    def __call__(self, status: Mapping[str, Any]) -> Any:
        return self._object(status, self.tree)

    def _object(self, value: Any, node: Mapping[str, KeepNode]) -> Any:
        if not isinstance(value, Mapping):
            return _wrong_shape(value)
        return {key: self._apply(value[key], child) for key, child in node.items() if key in value}

    def _apply(self, value: Any, node: KeepNode) -> Any:
        if node is LEAF:
            return value
        if node is STATUS:
            return value if value is None else self._object(value, self.tree)
        if isinstance(node, ListOf):
            if not isinstance(value, list):
                return _wrong_shape(value)
            return [self._apply(item, node.item) for item in value]
        return value if value is None else self._object(value, node)


DEFAULT_MINIMISER = Minimiser()


def minimise(status: Mapping[str, Any]) -> dict[str, Any]:
    """The status with only the inventory's kept fields (the boosted original minimised alike)."""
    return DEFAULT_MINIMISER(status)
