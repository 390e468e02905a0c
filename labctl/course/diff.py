"""Where two JSON documents differ, first differences first, in words a student can act on.

GitHub Classroom's users complain most that a failed test shows no expected-versus-actual
diff on long output; UIUC's MapReduce grader says which lines are wrong. For a metric
document the useful unit is the key: ``mentions["modotive316@toot.varmo.de"]: expected 66,
got 65``. Keys are visited in the expected document's order (the contract orders every list
by count, so the largest entities come first), then the keys only the student's output has.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MISSING = "missing"
UNEXPECTED = "unexpected"
DIFFERS = "differs"


@dataclass(frozen=True)
class Difference:
    path: str
    kind: str  # missing (expected, absent), unexpected (present, not expected), differs
    expected: Any = None
    got: Any = None

    def describe(self) -> str:
        if self.kind == MISSING:
            return f"{self.path}: missing (expected {_show(self.expected)})"
        if self.kind == UNEXPECTED:
            return f"{self.path}: not expected (got {_show(self.got)})"
        return f"{self.path}: expected {_show(self.expected)}, got {_show(self.got)}"


def _show(value: Any, width: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _child(path: str, key: Any) -> str:
    part = f"[{json.dumps(key, ensure_ascii=False)}]"
    return f"{key}" if not path and isinstance(key, str) and key.isidentifier() else f"{path}{part}"


def _numbers(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(expected: Any, got: Any, rel_tol: float, abs_tol: float) -> bool:
    if _numbers(expected) and _numbers(got):
        if isinstance(expected, int) and isinstance(got, int):
            return expected == got
        return math.isclose(expected, got, rel_tol=rel_tol, abs_tol=abs_tol)
    return expected == got and type(expected) is type(got)


def walk(expected: Any, got: Any, path: str = "", *, rel_tol: float = 1e-9, abs_tol: float = 0.0) -> Iterator[Difference]:
    """Every difference, depth first, in the expected document's order."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key, value in expected.items():
            if key not in got:
                yield Difference(_child(path, key), MISSING, expected=value)
            else:
                yield from walk(value, got[key], _child(path, key), rel_tol=rel_tol, abs_tol=abs_tol)
        for key, value in got.items():
            if key not in expected:
                yield Difference(_child(path, key), UNEXPECTED, got=value)
        return
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        for index, (left, right) in enumerate(zip(expected, got)):
            yield from walk(left, right, f"{path}[{index}]", rel_tol=rel_tol, abs_tol=abs_tol)
        return
    if not _equal(expected, got, rel_tol, abs_tol):
        yield Difference(path or "(the whole document)", DIFFERS, expected, got)


@dataclass(frozen=True)
class Comparison:
    first: tuple[Difference, ...]  # at most `limit`
    count: int  # every difference
    keys: int  # leaves compared (for "3 of 1,204")

    @property
    def equal(self) -> bool:
        return self.count == 0

    def describe(self, label: str = "") -> str:
        if self.equal:
            return f"{label}all {self.keys:,} values as expected".strip()
        head = f"{label}{self.count:,} of {self.keys:,} values differ"
        lines = [head + (f"; the first {len(self.first)}:" if self.count > len(self.first) else ":")]
        lines += [f"  {difference.describe()}" for difference in self.first]
        return "\n".join(lines)


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for v in value.values()) or 1
    if isinstance(value, list):
        return sum(_leaves(v) for v in value) or 1
    return 1


def compare(expected: Any, got: Any, *, limit: int = 5, rel_tol: float = 1e-9, abs_tol: float = 0.0, root: str = "") -> Comparison:
    """The differences of `got` from `expected`; `root` names the documents (`mentions`) in paths."""
    first: list[Difference] = []
    count = unexpected = 0
    for difference in walk(expected, got, root, rel_tol=rel_tol, abs_tol=abs_tol):
        count += 1
        unexpected += difference.kind == UNEXPECTED
        if len(first) < limit:
            first.append(difference)
    return Comparison(tuple(first), count, _leaves(expected) + unexpected)
