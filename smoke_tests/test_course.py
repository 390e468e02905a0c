"""The course's exercises that need the lab, graded on it: exercise 2 on YARN, exercise 4
(HBase), 5 (Airflow) and 7 (governance, its HBase sandbox). Each is checked unchanged (score
below 1, with a message), with the instructor's solution (score 1), with a solution wrong in
one key (the message names it), and with an output hard-coded for the recording (a hidden
check fails); then the lab must be as it was. The lab-free exercises and the same variants
on the local runner are unit tests (tests/course/), and so are exercise 7's sandbox lakes.

To keep the cost down, a variant runs only the checks its assertion is about (`only=`);
the solutions run every check. Exercise 5's variant is wrong in one setting and hard-coded
at once: one DAG parse and one Airflow run answer both assertions, since `settings` reads
the DAG and `table` the run's table, and neither hides the other. Costs are in
docs/testing.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import edge
from recording import EDGE_RECORDINGS
from labctl.course import catalogue, expected, grader, inputs, tables, workspace
from labctl.hbase.connection import connect

ROOT = Path(__file__).resolve().parent.parent


def solved(slug: str, folder: Path, changes: dict[str, tuple[str, str] | list[tuple[str, str]] | str] | None = None) -> Path:
    """The instructor's solution, then changed: file -> text, or (old, new) replacements."""
    target = workspace.solution_copy(catalogue.find(slug), folder / f"{slug}-solved")
    for name, change in (changes or {}).items():
        if isinstance(change, str):
            (target / name).write_text(change, encoding="utf-8")
            continue
        text = (target / name).read_text(encoding="utf-8")
        for old, new in [change] if isinstance(change, tuple) else change:
            assert old in text, f"{name}: {old!r} is not in the solution"
            text = text.replace(old, new)
        (target / name).write_text(text, encoding="utf-8")
    return target


def started(slug: str, folder: Path) -> Path:
    target = folder / f"{slug}-started"
    workspace.write(catalogue.find(slug), target)
    return target


def grade(slug: str, folder: Path, **options):
    return grader.grade(catalogue.find(slug), folder, progress=print, **options)


def failures(results) -> str:
    return "\n".join(f"{test.name}: {test.message}\n{test.output[-1500:]}" for test in results.tests if not test.passed)


def named(results) -> dict:
    return {test.name: test for test in results.tests}


@pytest.fixture(scope="module", autouse=True)
def lab_left_as_it_was(lab_stack):
    """After every grading: no table, namespace, DAG or scratch file of the course is left."""
    yield
    connection = connect(lab_stack)
    try:
        assert [name for name in connection.tables() if b"course" in name] == []
    finally:
        connection.close()
    assert "course_tags_by_language" not in edge(["airflow", "dags", "list", "-o", "plain"], check=False)
    assert not list((ROOT / "dags").glob("_course_*"))
    assert edge(["bash", "-c", "ls /tmp/labctl-course 2>/dev/null | wc -l"]).strip() in ("0", "")
    assert "labctl-course" not in edge(["hdfs", "dfs", "-ls", "/tmp"], check=False)


def test_exercise_2_on_yarn_with_the_instructors_solution(tmp_path):
    results = grade("mentions", solved("mentions", tmp_path), on="yarn", only={"recording"}, timeout=600)
    assert results.complete, failures(results)
    assert "on YARN" in results.tests[0].message


def test_exercise_4_hbase_design(tmp_path):
    unchanged = grade("hbase-design", started("hbase-design", tmp_path))
    assert unchanged.gradable and unchanged.score < 1
    assert "YOUR CODE HERE" in named(unchanged)["answers"].message

    results = grade("hbase-design", solved("hbase-design", tmp_path))
    assert results.complete, failures(results)
    assert "a top 10 read" in named(results)["design"].message

    wrong = grade("hbase-design", solved("hbase-design", tmp_path / "wrong", {
        "design.py": ("found.append((tag, int(cells[f\"{FAMILY}:n\".encode()])))",
                      "found.append((tag, int(cells[f\"{FAMILY}:n\".encode()]) + (language == \"de\")))")}),
        only={"answers"})
    assert "top_tags('de', 10): row 1 expected" in named(wrong)["answers"].message

    counts = expected.tags_by_language(inputs.RECORDING_FILES)  # the answers of the recording, typed in
    answers = {language: tables.top(counts, language, 10) for language in counts}
    hard = grade("hbase-design", solved("hbase-design", tmp_path / "hard", {
        "answers.json": json.dumps(answers),
        "design.py": ("    table = connection.table(name)\n    prefix =",
                      "    import json\n    return [tuple(pair) for pair in json.load(open('answers.json')).get(language, [])[:limit]]\n"
                      "    table = connection.table(name)\n    prefix =")}),
        only={"answers", "hidden-answers"})
    assert named(hard)["answers"].passed and not named(hard)["hidden-answers"].passed, failures(hard)


def test_exercise_5_airflow_task(tmp_path):
    unchanged = grade("airflow-task", started("airflow-task", tmp_path))
    assert unchanged.gradable and unchanged.score < 1
    assert "YOUR CODE HERE" in named(unchanged)["imports"].message

    results = grade("airflow-task", solved("airflow-task", tmp_path), timeout=300)
    assert results.complete, failures(results)

    # Wrong in one setting, and loading the recording's counts whatever the input: `settings`
    # names the setting, the run succeeds, and the hidden input's table gives the copy away.
    both = grade("airflow-task", solved("airflow-task", tmp_path / "wrong", {"course_tags_dag.py": [
        ('"retries": 3', '"retries": 0'),
        ('counts = json.loads(Path(counts_file).read_text(encoding="utf-8"))',
         "from labctl.course.tables import tags_by_language\n"
         f"        counts = tags_by_language(Path({EDGE_RECORDINGS!r}))")]}), timeout=300)
    assert "retries is 0" in named(both)["settings"].message
    assert named(both)["run"].passed and not named(both)["table"].passed, failures(both)


def test_exercise_7_governance(tmp_path):
    # Unchanged: the trace says what is missing, and the HBase sandbox is never made for a
    # proof that has not counted a lake right (the lake checks are unit tests).
    unchanged = grade("governance", started("governance", tmp_path), only={"trace", "hbase"})
    assert unchanged.score < 1 and "YOUR CODE HERE" in named(unchanged)["trace"].message
    assert "not checked" in named(unchanged)["hbase"].message

    results = grade("governance", solved("governance", tmp_path), timeout=300)
    assert results.complete, failures(results)
    assert "HBase rows" in named(results)["hbase"].message

    wrong = grade("governance", solved("governance", tmp_path / "wrong", {
        "prove.py": ('"derived_files": derived_files(fs, layout, args.handle, pseudonym),', '"derived_files": 0,')}),
        only={"before", "hbase"})
    assert "derived_files: prove.py says 0" in named(wrong)["before"].message
    assert not named(wrong)["hbase"].passed and "not checked" in named(wrong)["hbase"].message
