"""What a check found, and the whole grade as PrairieLearn's results.json.

PrairieLearn's external graders write ``results.json`` with ``score`` (0 to 1),
``gradable``, ``message``, ``output`` and ``tests``, a list of ``{name, description,
points, max_points, message, output}``. A course platform can take ours as it is.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Test:
    """One check: its points out of `max_points`, a message a student can act on, and output."""

    __test__ = False  # a grade, not a pytest test class

    name: str
    description: str
    points: float
    max_points: float
    message: str = ""
    output: str = ""
    hidden: bool = False  # runs on inputs the student never saw (said in the description too)

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points

    @classmethod
    def ok(cls, name: str, description: str, max_points: float, message: str = "", output: str = "", **kw: Any) -> Test:
        return cls(name, description, max_points, max_points, message, output, **kw)

    @classmethod
    def fail(cls, name: str, description: str, max_points: float, message: str, output: str = "", **kw: Any) -> Test:
        return cls(name, description, 0, max_points, message, output, **kw)


@dataclass
class Results:
    exercise: str
    tests: list[Test] = field(default_factory=list)
    gradable: bool = True
    message: str = ""
    output: str = ""
    seconds: float = 0.0

    @property
    def points(self) -> float:
        return sum(test.points for test in self.tests)

    @property
    def max_points(self) -> float:
        return sum(test.max_points for test in self.tests)

    @property
    def score(self) -> float:
        if not self.gradable or self.max_points <= 0:
            return 0.0
        return round(self.points / self.max_points, 4)

    @property
    def complete(self) -> bool:
        """Every point earned: the only grade `labctl course check` exits 0 for."""
        return self.gradable and bool(self.tests) and all(test.passed for test in self.tests)

    def summary(self) -> str:
        if not self.gradable:
            return f"{self.exercise}: not gradable. {self.message}".strip()
        passed = sum(test.passed for test in self.tests)
        return (
            f"{self.exercise}: score {self.score:.2f} ({self.points:g}/{self.max_points:g} points), "
            f"{passed} of {len(self.tests)} checks passed in {self.seconds:.1f} s"
        )

    def prairielearn(self) -> dict[str, Any]:
        """results.json as PrairieLearn's external graders write it."""
        return {
            "gradable": self.gradable,
            "score": self.score,
            "message": self.message or self.summary(),
            "output": self.output,
            "tests": [
                {key: value for key, value in asdict(test).items() if key != "hidden"} for test in self.tests
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.prairielearn(), ensure_ascii=False, indent=2) + "\n"
