"""Exercise 4: a table and row key of the student's design, on the lab's HBase.

Graded on the answers (every language's top tags, on the recording and on a hidden set with
language codes that share a prefix) and on the design: the load goes in batches, the table
keeps one version and compresses, and a top 10 makes the region servers read at most 10 rows
(their JMX read counter, as smoke_tests/test_hbase_schema.py measures the lab's own tables).
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

from labctl.course import expected, inputs, lab, tables
from labctl.course.checks import common
from labctl.course.grader import Check, Context, Outcome
from labctl.course.run import run_process, tail

TOP = 10
# Languages that share a prefix with real ones: a prefix scan for "en" must not see "en-gb".
PREFIX_TRAPS = {"en-gb": {"teatime": 900, "cricket": 800}, "e": {"vowel": 700}, "enx": {"lookalike": 600}}


def _table(context: Context, purpose: str) -> str:
    name = f"course_tags_{purpose}_{secrets.token_hex(4)}"
    context.cleanups.append(lambda: lab.drop_table(name))
    return name


def _harness(context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="labctl-course-hbase-") as tmp:
        path = Path(tmp) / "spec.json"
        if "counts" in spec:
            counts = Path(tmp) / "counts.json"
            counts.write_text(json.dumps(spec.pop("counts"), ensure_ascii=False), encoding="utf-8")
            spec["load"] = str(counts)
        path.write_text(json.dumps({"workspace": str(context.copy), **spec}))
        ran = run_process([sys.executable, "-m", "labctl.course.hbase_run", str(path)], cwd=context.copy, timeout=context.timeout)
    if ran.timed_out:
        return {"ok": False, "error": f"your code did not finish in {context.timeout:.0f} s: stopped\n{common.HINT_TIMEOUT}"}
    try:
        return json.loads(ran.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"ok": False, "error": f"the run printed no result: {tail(ran.stderr) or tail(ran.stdout)}"}


def _failed_run(result: dict[str, Any], what: str) -> Outcome:
    error = result["error"]
    last = error.strip().splitlines()[-1] if error.strip() else "?"
    stub = f"\n{common.HINT_STUB}" if "NotImplementedError" in error else ""
    return Outcome.failed(f"{what}: {last}{stub}", error)


def _queries(counts: dict[str, dict[str, int]]) -> list[list[Any]]:
    asked = [[language, TOP] for language in counts]
    if counts:
        asked.append([max(counts, key=lambda language: len(counts[language])), 3])
    asked.append(["xx", TOP])  # a language nobody wrote in: an empty answer
    return asked


def _compare(counts: dict[str, dict[str, int]], answers: dict[str, Any], source: str) -> Outcome:
    wrong = []
    for key, got in answers.items():
        language, limit = key.rsplit("|", 1)
        want = tables.top(counts, language, int(limit))
        if got != want:
            wrong.append((language, int(limit), want, got))
    if not wrong:
        return Outcome.passed(f"the top tags of all {len(answers)} queries are right on {source}")
    lines = []
    for language, limit, want, got in wrong[:3]:
        first = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), min(len(want), len(got)))
        lines.append(f"  top_tags({language!r}, {limit}): row {first + 1} expected "
                     f"{want[first] if first < len(want) else '(no row)'}, got {got[first] if first < len(got) else '(no row)'}"
                     f" ({len(got)} rows, expected {len(want)})")
    return Outcome(1 - len(wrong) / len(answers), f"{len(wrong)} of {len(answers)} queries wrong on {source}:\n" + "\n".join(lines),
                   json.dumps([{"language": l, "limit": n, "expected": w, "got": g} for l, n, w, g in wrong[:10]], ensure_ascii=False))


def answers(context: Context) -> Outcome:
    with lab.hbase():
        pass  # the lab answers: otherwise the grade is not gradable, not failed
    source = inputs.recording()
    counts = expected.tags_by_language(source.files)
    table = _table(context, "public")
    context.progress(f"answers: loading {sum(map(len, counts.values())):,} counts into {table} with your load()")
    result = _harness(context, {"table": table, "counts": counts, "query": _queries(counts)})
    if not result["ok"]:
        return _failed_run(result, "your code failed on the lab's HBase")
    context.state["public"] = {"table": table, "result": result, "biggest": max(counts, key=lambda lang: len(counts[lang]))}
    return _compare(counts, result["answers"], source.name)


def hidden(context: Context) -> Outcome:
    source = inputs.generated()
    counts = {**expected.tags_by_language(source.files), **PREFIX_TRAPS}
    table = _table(context, "hidden")
    result = _harness(context, {"table": table, "counts": counts, "query": _queries(counts)})
    if not result["ok"]:
        return _failed_run(result, "your code failed on the hidden counts")
    return _compare(counts, result["answers"], f"{source.name}, with language codes sharing a prefix (en, en-gb, e, enx)")


def design(context: Context) -> Outcome:
    public = context.state.get("public")
    if not context.passed.get("answers") or public is None:
        return Outcome.failed("not measured: a design is judged once its answers are right (see the check `answers`)")
    problems: dict[str, str] = {}  # criterion -> what is wrong
    notes: list[str] = []
    load = public["result"]["load"]
    if load["calls"] * TOP > max(load["rows_sent"], 1):
        problems["batches"] = (f"the load sent {load['rows_sent']:,} rows in {load['calls']:,} Thrift calls: "
                               "put them in batches (table.batch(batch_size=...)), not one call per row")
    else:
        notes.append(f"{load['rows_sent']:,} rows loaded in {load['calls']:,} calls")
    for family, options in public["result"]["families"].items():
        if options.get("max_versions") != 1:
            problems["table"] = f"family {family} keeps {options.get('max_versions')} versions: a count is replaced, never read back in time"
        elif str(options.get("compression", "NONE")).upper() == "NONE":
            problems["table"] = f"family {family} is not compressed (the lab's tables use ZSTD)"
    table, language = public["table"], public["biggest"]
    context.progress(f"design: waiting for the region servers' read counter of {table} to settle (about 15 s)")
    before = lab.settled_reads(table)
    result = _harness(context, {"table": table, "query": [[language, TOP]]})
    if not result["ok"]:
        return _failed_run(result, "your top_tags failed")
    reads = lab.settled_reads(table, changed_from=before) - before
    if reads > TOP:
        problems["reads"] = (f"top_tags({language!r}, {TOP}) made the region servers read {reads:,} rows, not at most {TOP}: "
                             "scan from the language's prefix, with limit and batch_size equal to the limit, and no filter")
    else:
        notes.append(f"a top {TOP} read {reads} rows")
    if problems:
        return Outcome((3 - len(problems)) / 3, "; ".join(problems.values()) + (f" ({'; '.join(notes)})" if notes else ""))
    return Outcome.passed("; ".join(notes) + "; one version kept, compressed")


CHECKS = [
    common.unit_tests("test_design.py", 2),
    Check("answers", "your table answers the top tags of every language on the recording", 4, answers),
    Check("hidden-answers", "your table on another generated set, with language codes sharing a prefix", 2, hidden, hidden=True),
    Check("design", "loaded in batches, one version, compressed, and a top 10 reads at most 10 rows", 2, design),
]
