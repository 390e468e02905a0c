"""Solution and hidden-test markers in the instructor's sources, removed as nbgrader does.

An instructor's file is the complete, working answer. Regions between marker lines are cut
out of the student's copy:

    ### BEGIN SOLUTION          the answer; the student gets a stub in its place
    ### END SOLUTION
    ### BEGIN HIDDEN TESTS      checks the grader runs and the student never sees
    ### END HIDDEN TESTS

A marker is a line of its own, behind the file's comment sign (`#` in Python and shell,
`<!--` in Markdown). A solution region becomes a stub at the region's indentation: in Python
``# YOUR CODE HERE`` then ``raise NotImplementedError()`` (nbgrader's), so an unfinished file
fails loudly where the work is missing; in shell ``exit 1``; in Markdown the words
``YOUR ANSWER HERE``. A hidden-test region leaves nothing. The instructor's version (what the
grader runs and what the teacher reads) is the file with the marker lines alone removed.

Regions do not nest, and an unclosed or stray marker is an error naming its line, so a typo
can never leak an answer into a workspace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SOLUTION = "SOLUTION"
HIDDEN = "HIDDEN TESTS"
_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?:#+|//+|<!--)[ \t]*(?P<edge>BEGIN|END)[ \t]+(?P<kind>SOLUTION|HIDDEN TESTS)\b.*$")
STUB_TEXT = "YOUR CODE HERE"


class MarkerError(ValueError):
    """The markers of an instructor's file do not pair up; the message names the line."""


@dataclass(frozen=True)
class Region:
    kind: str  # SOLUTION or HIDDEN
    start: int  # 1-based line of the BEGIN marker
    end: int  # 1-based line of the END marker
    indent: str
    lines: tuple[str, ...]  # the lines between the markers


def _stub(indent: str, language: str) -> list[str]:
    if language == "python":
        return [f"{indent}# {STUB_TEXT}", f"{indent}raise NotImplementedError()"]
    if language == "shell":
        return [f"{indent}# {STUB_TEXT}", f"{indent}exit 1"]
    return [f"{indent}YOUR ANSWER HERE"]


def language_of(name: str) -> str:
    if name.endswith(".py"):
        return "python"
    if name.endswith(".sh"):
        return "shell"
    return "text"


def _split(text: str, source: str) -> list[str | Region]:
    """The file as plain lines and marked regions, in order."""
    parts: list[str | Region] = []
    lines = text.splitlines()
    open_region: tuple[str, int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(lines, start=1):
        match = _MARKER.match(line)
        if match is None:
            (body if open_region else parts).append(line)
            continue
        kind = SOLUTION if match["kind"] == "SOLUTION" else HIDDEN
        if match["edge"] == "BEGIN":
            if open_region:
                raise MarkerError(f"{source}:{number}: BEGIN {match['kind']} inside the region opened at line {open_region[1]}")
            open_region, body = (kind, number, match["indent"]), []
            continue
        if open_region is None or open_region[0] != kind:
            raise MarkerError(f"{source}:{number}: END {match['kind']} without its BEGIN")
        parts.append(Region(kind, open_region[1], number, open_region[2], tuple(body)))
        open_region = None
    if open_region:
        raise MarkerError(f"{source}:{open_region[1]}: BEGIN {open_region[0]} is never closed")
    return parts


def regions(text: str, source: str = "<file>") -> list[Region]:
    return [part for part in _split(text, source) if isinstance(part, Region)]


def student_version(text: str, source: str = "<file>") -> str:
    """What a workspace gets: solutions replaced by stubs, hidden tests removed."""
    out: list[str] = []
    for part in _split(text, source):
        if isinstance(part, str):
            out.append(part)
        elif part.kind == SOLUTION:
            out.extend(_stub(part.indent, language_of(source)))
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def instructor_version(text: str, source: str = "<file>") -> str:
    """The complete file: every region kept, the marker lines removed."""
    out: list[str] = []
    for part in _split(text, source):
        out.extend([part] if isinstance(part, str) else part.lines)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def has_markers(text: str) -> bool:
    return any(_MARKER.match(line) for line in text.splitlines())
