"""The lab guide's Markdown read as a script: the commands to run, and what their output must show.

The conventions (docs/lab-guide/README.md states them for authors):

- A fenced block whose info string starts with ``console`` holds commands, one per line
  starting with ``$ ``. A line ending with a backslash continues on the next line, as in
  bash. Blank lines are allowed; any other line is an error, so no output can hide in a
  console block unchecked.
- ``console exit=N`` says the block's commands must exit with status N instead of 0 (a step
  that shows an error, such as a permission denied).
- A fenced ``output`` block is the expected output of the last command of the console block
  before it. Each of its lines must appear in that command's output (stdout and stderr
  together), in the same order, each inside one output line. Inside a line, ``...`` (and the
  spaces around it) stands for any text; a line that is only ``...`` marks elided output and
  matches nothing. Blank lines are ignored.
- The commands run in one bash per file with ``set -o pipefail``.
- Every other block (```sh, ```python, ```diff, ...) is prose for the reader and is not run.

Parsing and matching are pure functions; `GuideShell` is the thin wrapper around the bash
that runs the commands (smoke_tests/test_y_lab_guide.py drives it against the lab).
"""

from __future__ import annotations

import os
import queue
import re
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

ELLIPSIS = "..."
PROMPT = "$ "
# Any indentation opens a fence (a block in a list item is still run): guides use no indented code blocks.
_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# The spaces around `...` belong to it: "a ... b" matches "a b" as well as "a  |  b".
_WILDCARD = re.compile(r"\s*\.\.\.\s*")
_ATTRIBUTE = re.compile(r"^(?P<name>[a-z]+)=(?P<value>\S+)$")


class GuideError(ValueError):
    """The guide breaks the conventions; the message names the file and line."""


@dataclass(frozen=True)
class Command:
    source: str
    line: int  # 1-based line of the `$ ` in the file
    text: str  # what bash runs: continuation lines kept, backslash-newlines included
    exit_code: int = 0
    expected: tuple[str, ...] | None = None  # the output block's lines, when one follows
    expected_line: int | None = None  # 1-based line of the output block's fence

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class _Block:
    line: int  # 1-based line of the opening fence
    language: str
    options: list[str]  # the info string's words after the language
    body: list[str]


def _blocks(lines: Sequence[str], source: str) -> Iterator[_Block]:
    """Every fenced code block, in order (CommonMark's fences: ``` or ~~~, closed by a longer or equal one)."""
    number = 0
    while number < len(lines):
        opening = _FENCE.match(lines[number])
        number += 1
        if opening is None:
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        words = opening["info"].split()
        start, body = number, []
        while number < len(lines):
            closing = _FENCE.match(lines[number])
            number += 1
            if closing and closing["fence"][0] == fence[0] and len(closing["fence"]) >= len(fence) and not closing["info"].strip():
                break
            body.append(_dedent(lines[number - 1], indent))
        else:
            raise GuideError(f"{source}:{start}: the block opened here is never closed ({fence})")
        yield _Block(start, words[0] if words else "", words[1:], body)


def _dedent(line: str, indent: int) -> str:
    """The line without the fence's indentation (as much of it as the line has)."""
    return line[min(indent, len(line) - len(line.lstrip(" "))):]


def _attributes(words: Sequence[str], source: str, line: int) -> dict[str, str]:
    attributes = {}
    for word in words:
        match = _ATTRIBUTE.match(word)
        if match is None:
            raise GuideError(f"{source}:{line}: cannot read {word!r} in the block's info string (expected name=value)")
        attributes[match["name"]] = match["value"]
    return attributes


def _exit_code(block: _Block, source: str) -> int:
    attributes = _attributes(block.options, source, block.line)
    unknown = set(attributes) - {"exit"}
    if unknown:
        raise GuideError(f"{source}:{block.line}: unknown console attribute(s) {', '.join(sorted(unknown))}; only exit=N exists")
    value = attributes.get("exit", "0")
    if not value.isdigit() or int(value) > 255:
        raise GuideError(f"{source}:{block.line}: exit={value} is not an exit status (0-255)")
    return int(value)


def _commands(block: _Block, source: str) -> list[Command]:
    exit_code = _exit_code(block, source)
    commands: list[Command] = []
    pending: list[str] = []  # the lines of a command still continued by a backslash
    start = 0
    for offset, text in enumerate(block.body):
        number = block.line + 1 + offset
        if pending:
            pending.append(text)
        elif text.startswith(PROMPT):
            pending, start = [text.removeprefix(PROMPT)], number
        elif not text.strip():
            continue
        else:
            raise GuideError(
                f"{source}:{number}: a console block holds only `$ ` commands; "
                f"put what the command prints in an ```output block after it: {text.strip()[:80]!r}"
            )
        if not pending[-1].endswith("\\"):
            command = "\n".join(pending).strip()
            if not command:
                raise GuideError(f"{source}:{start}: `$ ` without a command")
            commands.append(Command(source, start, command, exit_code))
            pending = []
    if pending:
        raise GuideError(f"{source}:{start}: the command's last line ends with a backslash: nothing continues it")
    if not commands:
        raise GuideError(f"{source}:{block.line}: a console block without any `$ ` command")
    return commands


def parse_guide(text: str, source: str = "<guide>") -> list[Command]:
    """The commands of one guide file, in order, each with its expected output if any."""
    commands: list[Command] = []
    awaiting_output = False  # true right after a console block: an output block may follow
    for block in _blocks(text.splitlines(), source):
        if block.language == "console":
            commands.extend(_commands(block, source))
            awaiting_output = True
        elif block.language == "output":
            if not awaiting_output:
                what = "the first console block" if not commands else "a console block (one output block per command block)"
                raise GuideError(f"{source}:{block.line}: an output block must follow {what}")
            expected = tuple(stripped for line in block.body if (stripped := line.strip()))
            commands[-1] = replace(commands[-1], expected=expected, expected_line=block.line)
            awaiting_output = False
        else:
            awaiting_output = False
    return commands


def line_matches(pattern: str, line: str) -> bool:
    """`pattern` occurs in `line`, each `...` in it (with the spaces around it) standing for any text."""
    position = 0
    for fragment in _WILDCARD.split(pattern):
        found = line.find(fragment, position)
        if found < 0:
            return False
        position = found + len(fragment)
    return True


def missing_lines(expected: Sequence[str], output: str) -> list[str]:
    """The expected lines not found in `output`, in order; empty when the output shows them all.

    Matching is greedy: each expected line takes the first output line after the previous
    match. A line that is only `...` matches nothing (it marks elided output).
    """
    lines = output.splitlines()
    position, missing = 0, []
    for pattern in expected:
        if pattern == ELLIPSIS:
            continue
        for index in range(position, len(lines)):
            if line_matches(pattern, lines[index]):
                position = index + 1
                break
        else:
            missing.append(pattern)
    return missing


class GuideShell:
    """One bash for a whole guide file, as a student's terminal: `cd` and variables carry over.

    Each command runs with stdin from /dev/null (it cannot eat the commands after it) and
    stderr joined to stdout (what a terminal shows); its exit status comes back after a
    marker line that no command prints. With `pipefail` (the default) a pipeline fails when
    any of its commands fails: `curl ... | jq` must not pass because jq read nothing.
    """

    def __init__(self, cwd: str | os.PathLike[str], env: Mapping[str, str], *, pipefail: bool = True):
        self._marker = f"__lab_guide_{secrets.token_hex(8)}__"
        self._process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", *(["-o", "pipefail"] if pipefail else [])],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a timeout kills the command's children too
        )
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def run(self, command: str, timeout: float) -> tuple[int | None, str]:
        """(exit status, output) of one command; status None when the shell died or timed out."""
        assert self._process.stdin is not None
        problem = syntax_error(command)
        if problem:  # an unclosed quote would swallow the marker and hang the shell
            return 2, problem
        script = f"{{\n{command}\n}} < /dev/null 2>&1\nprintf '\\n%s %s\\n' {self._marker} $?\n"
        try:
            self._process.stdin.write(script.encode())
            self._process.stdin.flush()
        except BrokenPipeError:
            return None, "(the shell has exited)"
        output: list[bytes] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.close()
                return None, _text(output) + f"\n(timed out after {timeout:.0f} s)"
            if line is None:
                return None, _text(output) + "\n(the shell has exited)"
            text = line.decode(errors="replace")
            if text.startswith(self._marker + " "):
                if output and output[-1] == b"\n":
                    output.pop()  # the newline printed before the marker
                elif output:
                    output[-1] = output[-1].removesuffix(b"\n")
                return int(text.split()[1]), _text(output)
            output.append(line)

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._process.wait()

    def __enter__(self) -> GuideShell:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def syntax_error(command: str) -> str:
    """bash's complaint about the command's syntax, or "" when it parses."""
    checked = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return checked.stderr.strip() or ("" if checked.returncode == 0 else f"bash -n exited {checked.returncode}")


def _text(lines: Sequence[bytes]) -> str:
    return b"".join(lines).decode(errors="replace")
