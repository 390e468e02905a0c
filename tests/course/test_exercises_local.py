"""Every exercise that needs no lab, graded on the local runner as a student would meet it:
started and checked unchanged, completed with the instructor's solution, with a solution wrong
in one key, and with an output hard-coded for the recording (which the hidden inputs catch).

The expected values are the oracle's (labctl/oracle/) or the lab's own rules; the solutions are
the instructor's sources. Exercises 4, 5 and 7's HBase part need the lab: smoke_tests/test_course.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from conftest import solved, started
from labctl.course import catalogue, expected, grader, inputs
from labctl.course.checks.analysis import full_key

LOCAL = ["raw-zone", "mentions", "regions", "analysis", "governance"]


def grade(workspace, slug: str, only: set[str] | None = None):
    exercise = catalogue.find(slug)
    names = {check.name for check in grader.checks_of(exercise)} - {"hbase"}  # governance's needs the lab
    return grader.grade(exercise, workspace, only=names if only is None else only)


def by_name(results) -> dict:
    return {test.name: test for test in results.tests}


@pytest.mark.parametrize("slug", LOCAL)
def test_an_unchanged_workspace_scores_below_one_and_says_what_is_missing(slug, tmp_path):
    results = grade(started(slug, tmp_path), slug)
    assert results.gradable and results.score < 1 and not results.complete
    failed = [test for test in results.tests if not test.passed]
    assert failed
    assert any("YOUR CODE HERE" in test.message for test in failed), [test.message for test in failed]
    assert json.loads((tmp_path / slug / "results.json").read_text())["score"] == results.score


@pytest.mark.parametrize("slug", LOCAL)
def test_the_instructors_solution_scores_one(slug, tmp_path):
    results = grade(solved(slug, tmp_path), slug)
    assert results.complete, "\n".join(f"{t.name}: {t.message}" for t in results.tests if not t.passed)
    assert results.score == 1


@dataclass(frozen=True)
class Variant:
    changes: dict
    check: str  # the check that must fail
    names: str  # what its message must name


def hard_coded_mentions() -> dict:
    answer = expected.document(inputs.RECORDING_FILES)["mentions"]
    return {
        "answer.json": json.dumps(answer),
        "mapper.py": "import json, sys\nsys.stdin.buffer.read()\nfor handle, count in json.load(open('answer.json')).items():\n"
                     "    print(f'{handle}\\t{count}')\n",
        # Every map task prints the whole answer (the recording is three files, so several
        # tasks): the reducer keeps one copy of each row.
        "reducer.py": "import sys\nfor line in dict.fromkeys(sys.stdin):\n    sys.stdout.write(line)\n",
    }


def recorded(metric: str) -> tuple[str, int]:
    """The first entry of one of the oracle's rankings on the recording: never typed here, so
    a regenerated recording changes nothing in these tests."""
    document = expected.document(inputs.RECORDING_FILES)
    ranking = expected.regions(document) if metric == "regions" else document[metric]
    return next(iter(ranking.items()))


def wrong_in_mentions() -> Variant:
    handle, count = recorded("mentions")
    return Variant({"reducer.py": ("yield handle, 1", f"yield handle, 2 if handle == {handle!r} else 1")},
                   "recording", f'mentions["{handle}"]: expected {count}, got {2 * count}')


def wrong_in_regions() -> Variant:
    region, count = recorded("regions")
    return Variant({"reducer.py": ("return len(set(keys))", f"return len(set(keys)) + (region == {region!r})")},
                   "recording", f'regions["{region}"]: expected {count}, got {count + 1}')


def hard_coded_regions() -> dict:
    answer = expected.regions(expected.document(inputs.RECORDING_FILES))
    return {"answer.json": json.dumps(answer),
            "reducer.py": ("return len(set(keys))", "import json\n    return json.load(open('answer.json'))[region]")}


def hard_coded_proof() -> dict:
    import tempfile
    from pathlib import Path

    from labctl.course.checks import governance

    with tempfile.TemporaryDirectory() as tmp:
        key_file = governance._keyfile(Path(tmp))
        governance.build_lake(inputs.recording(), Path(tmp), key_file)
        counts = governance.lake_counts(Path(tmp), governance.PUBLIC_ACCOUNT, governance._pseudonym(key_file, governance.PUBLIC_ACCOUNT))
    return {"prove.py": ("    print(json.dumps(found))", f"    print(json.dumps({{**{counts!r}, 'hbase_rows': None}}))")}


def hard_coded_analysis() -> dict:
    answers = full_key(inputs.RECORDING_FILES)
    return {"analysis.py": f"import json\nprint(json.dumps({answers!r}))\n"}


WRONG_IN_ONE_KEY = {
    "raw-zone": Variant({"land.py": ('"sha256": hashlib.sha256(data).hexdigest()', '"sha256": hashlib.sha256(b"".join(lines)).hexdigest()')},
                        "recording", "sha256"),
    "mentions": wrong_in_mentions,
    "regions": wrong_in_regions,
    "analysis": Variant({"analysis.py": ('"media_pct": pct(totals["statuses_with_media"], statuses)',
                                         '"media_pct": totals["statuses_with_media"] / statuses')}, "recording", "media_pct: expected"),
    "governance": Variant({"field_trace.py": ("PERSON_TTL_DAYS = 30", "PERSON_TTL_DAYS = 7")}, "trace", "PERSON_TTL_DAYS is 7"),
}

HARD_CODED = {
    "raw-zone": {"land.py": ("    when = collected_at.astimezone(timezone.utc)\n    return (f\"raw/mastodon",
                             "    when = datetime(2026, 1, 31, 18, tzinfo=timezone.utc)\n    return (f\"raw/mastodon")},
    "mentions": hard_coded_mentions,
    "regions": hard_coded_regions,
    "analysis": hard_coded_analysis,
    "governance": hard_coded_proof,
}


@pytest.mark.parametrize("slug", LOCAL)
def test_a_solution_wrong_in_one_key_fails_naming_that_key(slug, tmp_path):
    variant = WRONG_IN_ONE_KEY[slug]
    variant = variant() if callable(variant) else variant
    results = grade(solved(slug, tmp_path, variant.changes), slug, only={variant.check})
    tests = by_name(results)
    assert not results.complete
    assert not tests[variant.check].passed
    assert variant.names in tests[variant.check].message, tests[variant.check].message


@pytest.mark.parametrize("slug", LOCAL)
def test_an_output_hard_coded_for_the_recording_passes_it_and_fails_a_hidden_check(slug, tmp_path):
    changes = HARD_CODED[slug]
    public, hidden = ("before", "after") if slug == "governance" else ("recording", "edge-cases" if slug != "analysis" else "generated")
    results = grade(solved(slug, tmp_path, changes() if callable(changes) else changes), slug, only={public, hidden})
    tests = by_name(results)
    assert tests[public].passed, tests[public].message
    assert not tests[hidden].passed and tests[hidden].hidden, tests[hidden].message
    assert not results.complete
