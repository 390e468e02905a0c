"""Checks shared by exercises: the public (and hidden) tests, and a Streaming job's output."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labctl.course import diff
from labctl.course.grader import Check, Context, Outcome
from labctl.course.inputs import Input
from labctl.course.run import JobRun, Ran, run_job, run_process, stderr_chatter, tail
from labctl.seedgen import SHIPPED_PATH

HINT_CRASH = "hint: run the script by hand on a few lines to see the error, e.g. `zcat {input} | head -20 | python3 mapper.py`"
HINT_STUB = "hint: complete the parts marked YOUR CODE HERE (they raise NotImplementedError)"
HINT_STDERR = (
    "hint: a Streaming script writes its rows on stdout; stderr is for `reporter:counter:` and "
    "`reporter:status:` lines (Hadoop keeps the rest in the task logs, where nobody reads it). Remove debugging prints."
)
HINT_TIMEOUT = "hint: does a script wait for input that never ends, or loop forever? Try it on a few lines first."
_TASK = re.compile(r"^(?P<step>\S+) (?P<role>map|combine|reduce) \d+: .*? exited with (?P<code>-?\d+)", re.DOTALL)


def run_program(context: Context, argv: list[str], label: str, *, what: str = "",
                stderr_hint: str = "hint: print the result on stdout, and nothing on stderr") -> Ran | Outcome:
    """Run a student's program in the grading copy: its run, or the failed outcome that says
    why (timed out, crashed with its last stderr line, or talked on stderr)."""
    ran = run_process(argv, cwd=context.copy, timeout=context.timeout)
    where = f" on {what}" if what else ""
    if ran.timed_out:
        return Outcome.failed(f"{label} did not finish in {context.timeout:.0f} s{where}\n{HINT_TIMEOUT}")
    if not ran.ok:
        err = tail(ran.stderr)
        stub = f"\n{HINT_STUB}" if "NotImplementedError" in err else ""
        last = err.splitlines()[-1] if err else "(nothing on stderr)"
        return Outcome.failed(f"{label} exited with code {ran.returncode}{where}: {last}{stub}", err)
    chatter = stderr_chatter(ran.stderr.decode("utf-8", "replace"))
    if chatter:
        return Outcome.failed(f"{label} wrote to stderr{where}:\n{tail(chatter, 600)}\n{stderr_hint}", chatter)
    return ran


def streaming(test_file: str, metric: str, what: str, expected_of: Callable[[tuple[Path, ...]], dict[str, int]],
              yarn: Callable[[Context, Input], JobRun] | None) -> list[Check]:
    """The checks of a Streaming exercise: its tests, then its job on the recording (on YARN
    with --on yarn), on a generated set and on the edge cases, against the oracle's `metric`."""
    from labctl.course import inputs

    return [
        unit_tests(test_file, 2),
        job("recording", f"your job on the recording equals the oracle's `{metric}`", inputs.recording, expected_of, what, 4,
            metric=metric, hidden=False, yarn=yarn),
        job("generated", "your job on another generated set", inputs.generated, expected_of, what, 2, metric=metric, hidden=True),
        job("edge-cases", "your job on the edge cases", inputs.edge_cases, expected_of, what, 2, metric=metric, hidden=True),
    ]


def unit_tests(test_file: str, points: float) -> Check:
    """The exercise's tests file (the instructor's copy: public and hidden tests) in a process."""

    def run(context: Context) -> Outcome:
        ran = run_process([sys.executable, "-m", "labctl.course.unit", test_file], cwd=context.copy, timeout=min(context.timeout, 120))
        if ran.timed_out:
            return Outcome.failed(f"the tests did not finish in {min(context.timeout, 120):.0f} s", tail(ran.stderr))
        try:
            outcome = json.loads(ran.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
        except (ValueError, IndexError):
            return Outcome.failed("the tests could not run", tail(ran.stderr) or tail(ran.stdout))
        if isinstance(outcome, dict):
            stub = HINT_STUB if "NotImplementedError" in outcome["import_error"] else ""
            return Outcome.failed(f"your files do not import: {outcome['import_error']}\n{stub}".strip(), tail(ran.stderr))
        failed = [result for result in outcome if not result["ok"]]
        lines = [f"{'ok  ' if r['ok'] else 'FAIL'} {r['name']}" + ("" if r["ok"] else f": {r['message']}") for r in outcome]
        if not outcome:
            return Outcome.failed("no test ran")
        if not failed:
            return Outcome.passed(f"all {len(outcome)} tests passed", "\n".join(lines))
        first = failed[0]
        stub = f"\n{HINT_STUB}" if "NotImplementedError" in first["message"] else ""
        message = f"{len(failed)} of {len(outcome)} tests failed; first: {first['name']}: {first['message']}{stub}"
        return Outcome((len(outcome) - len(failed)) / len(outcome), message, "\n".join(lines))

    return Check("tests", f"the tests of {test_file}, public and hidden", points, run)


def job_failure(run: JobRun, timeout: float, data: Input) -> Outcome:
    chatter = run.chatter
    if run.timed_out:
        return Outcome.failed(f"your job did not finish in {timeout:.0f} s on {data.name}: stopped\n{HINT_TIMEOUT}", chatter)
    match = _TASK.match(run.error)
    if match is None:
        return Outcome.failed(f"your job failed on {data.name}: {run.error}", chatter)
    log = run.stderr.get(f"{match['step']}-{match['role']}", "")
    last = log.strip().splitlines()[-1] if log.strip() else "(nothing on stderr)"
    stub = f"\n{HINT_STUB}" if "NotImplementedError" in log else ""
    hint = HINT_CRASH.format(input=f"{SHIPPED_PATH}/*.jsonl.gz")
    return Outcome.failed(
        f"step `{match['step']}`, {match['role']}: your script exited with code {match['code']} on {data.name}: "
        f"{last}{stub}\n{hint}",
        f"the end of its stderr:\n{log}" if log else chatter,
    )


def parse_counts(lines: list[bytes], what: str) -> tuple[dict[str, int], str | None]:
    """`key<TAB>count` rows into a dict; the first problem found, if any."""
    counts: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", "replace")
        key, tab, value = text.rpartition("\t")
        if not tab or not key or not re.fullmatch(r"-?\d+", value.strip()):
            return counts, (f"output line {number} is not `{what}<TAB>count`: {text[:120]!r}\n"
                            "hint: the last reducer writes one row per key, the count as a plain integer, nothing else on stdout")
        if key in counts:
            return counts, (f"{key!r} is on two output lines (the second is line {number}): every row of one key must reach "
                            "one reduce call.\nhint: is the key the first field of every row, and the same in both steps?")
        counts[key] = int(value)
    return counts, None


def job(
    name: str,
    description: str,
    data: Callable[[], Input],
    expected_of: Callable[[tuple[Path, ...]], dict[str, int]],
    what: str,
    points: float,
    *,
    metric: str,
    hidden: bool,
    yarn: Callable[[Context, Input], JobRun] | None = None,
) -> Check:
    """A Streaming job of the workspace over one input, its rows compared with the oracle's
    `metric` (`what` names one of its keys: a handle, a region)."""

    def run(context: Context) -> Outcome:
        source = data()
        on_yarn = context.on == "yarn" and not hidden and yarn is not None
        where = "on YARN" if on_yarn else "locally"
        context.progress(f"{name}: running your job {where} on {source.name}")
        result = yarn(context, source) if on_yarn else run_job(context.copy, list(source.files), timeout=context.timeout)
        if not result.ok:
            return job_failure(result, context.timeout, source)
        if result.chatter:
            return Outcome.failed(f"your scripts wrote to stderr on {source.name}:\n{tail(result.chatter, 600)}\n{HINT_STDERR}",
                                  result.chatter)
        got, problem = parse_counts(result.lines, what)
        if problem:
            return Outcome.failed(problem)
        expected = expected_of(source.files)
        comparison = diff.compare(expected, got, root=metric)
        seconds = f" ({where}, {result.seconds:.1f} s)"
        if comparison.equal:
            return Outcome.passed(f"{len(expected):,} {what}{'' if len(expected) == 1 else 's'} as expected on {source.name}{seconds}")
        return Outcome.failed(f"on {source.name}{seconds}, " + comparison.describe(), _preview(expected, got))

    return Check(name, description, points, run, hidden=hidden)


def _preview(expected: dict[str, Any], got: dict[str, Any], rows: int = 10) -> str:
    head = lambda counts: list(counts.items())[:rows]  # noqa: E731
    ranked = dict(sorted(got.items(), key=lambda item: (-item[1], item[0])))
    return "expected (first rows): " + json.dumps(head(expected), ensure_ascii=False) + "\ngot (first rows):      " + json.dumps(head(ranked), ensure_ascii=False)
