"""The grader's expectations, held against computations written here from the definitions."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from labctl.course import catalogue, expected, inputs, tables, workspace
from labctl.course.checks.analysis import full_key


def region(handle: str) -> str:
    """docs/metrics.md's rule, written again: after the last '@', one trailing dot off, at
    least two labels, the last one two ASCII letters."""
    host = handle.split("@")[-1] if "@" in handle else ""
    host = host[:-1] if host.endswith(".") else host
    labels = host.split(".")
    last = labels[-1].lower()
    return last if len(labels) > 1 and len(last) == 2 and all("a" <= c <= "z" for c in last) else "generic"


@pytest.mark.parametrize("source", [inputs.recording, inputs.edge_cases, inputs.generated])
def test_regions_are_the_statuses_per_region_of_their_authors(source):
    # expected.regions is the oracle's `regions`: held here against the rule written above.
    document = expected.document(source().files)
    wanted = Counter()
    for handle, entry in document["engagement"].items():
        wanted[region(handle)] += entry["statuses"]
    assert expected.regions(document) == dict(wanted)
    assert sum(wanted.values()) == document["totals"]["statuses"]


def test_the_edge_cases_hold_the_regions_and_traps_they_promise():
    document = expected.document(inputs.edge_cases().files)
    assert {"de", "fr", "nz", "generic"} <= set(expected.regions(document))
    assert document["totals"]["malformed"] == 7 and document["totals"]["boosts"] == 2
    raw = gzip.decompress(inputs.edge_cases().files[0].read_bytes())
    assert "\u2028".encode() in raw and b"\r\n" in raw
    assert document["tags"] == {"fediverse": 1, "new": 1}  # the later edit's tags, case folded
    assert "hana@mast.kiroba.jp" in document["mentions"]


@pytest.mark.parametrize("source", [inputs.recording, inputs.generated, inputs.edge_cases])
def test_tags_by_language_add_up_to_the_oracles_tags(source):
    counts = expected.tags_by_language(source().files)  # tables.tags_by_language, cached for the session
    summed = Counter()
    for tags in counts.values():
        summed.update(tags)
    assert dict(summed) == expected.document(source().files)["tags"]


def test_tags_by_language_split_as_the_oracles_languages():
    counts = expected.tags_by_language(inputs.RECORDING_FILES)
    languages = expected.document(inputs.RECORDING_FILES)["languages"]
    assert set(counts) <= set(languages)
    assert tables.top(counts, "en", 3) == [list(pair) for pair in list(counts["en"].items())[:3]]


class Table:
    """Just enough of a happybase table for the designs: puts, batches, prefix scans, gets."""

    def __init__(self, families):
        self.families_, self.rows, self.calls, self.scans = families, {}, 0, []

    def batch(self, batch_size=None, **_):
        table = self

        class Batch:
            def put(self, key, data):
                table.rows.setdefault(key, {}).update(data)

            def __enter__(self):
                table.calls += 1
                return self

            def __exit__(self, *exc):
                return False

        return Batch()

    def put(self, key, data):
        self.calls += 1
        self.rows.setdefault(key, {}).update(data)

    def scan(self, row_prefix=b"", limit=None, batch_size=1000, columns=None):
        self.scans.append((row_prefix, limit, batch_size))
        found = [(key, self.rows[key]) for key in sorted(self.rows) if key.startswith(row_prefix)]
        return iter(found[:limit] if limit else found)

    def row(self, key):
        return dict(self.rows.get(key, {}))


class Connection:
    def __init__(self):
        self.created = {}

    def tables(self):
        return [name.encode() for name in self.created]

    def create_table(self, name, families):
        self.created[name] = Table(families)

    def table(self, name):
        return self.created[name]


def load_module(exercise: str, name: str, folder: Path):
    import importlib.util

    path = folder / f"{name}.py"
    path.write_text(workspace.instructor_text(catalogue.find(exercise), f"{name}.py"))
    spec = importlib.util.spec_from_file_location(f"course_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_instructors_design_answers_every_language_from_a_prefix_scan_of_limit_rows(tmp_path):
    design = load_module("hbase-design", "design", tmp_path)
    counts = {**expected.tags_by_language(inputs.RECORDING_FILES), "en-gb": {"tea": 5}}
    connection = Connection()
    design.create_table(connection, "t")
    assert design.load(connection, "t", counts) == sum(map(len, counts.values()))
    for language in counts:
        assert [list(pair) for pair in design.top_tags(connection, "t", language, 10)] == tables.top(counts, language, 10)
    assert all(limit == batch_size == 10 for _, limit, batch_size in connection.table("t").scans)


def test_the_given_wide_table_of_exercise_5_reads_back_what_it_loaded(tmp_path):
    given = load_module("airflow-task", "tags_table", tmp_path)
    counts = expected.tags_by_language(inputs.generated().files)
    connection = Connection()
    given.create_table_if_missing(connection, "t")
    given.create_table_if_missing(connection, "t")  # twice: a retried task finds it there
    given.load(connection, "t", counts)
    given.load(connection, "t", counts)  # a retry writes the same cells
    assert sorted(given.languages(connection, "t")) == sorted(counts)
    for language in counts:
        assert given.top(connection, "t", language, 10) == tables.top(counts, language, 10)


def test_the_answer_key_and_the_instructors_analysis_agree_on_both_inputs(tmp_path):
    import sys

    exercise = catalogue.find("analysis")
    for name in ("rules.py", "statuses.py"):  # what analysis.py imports, beside it in a workspace
        (tmp_path / name).write_text(workspace.instructor_text(exercise, name), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        analysis = load_module("analysis", "analysis", tmp_path)
        for source in (inputs.recording(), inputs.generated()):
            document = expected.document(source.files)
            theirs = {**analysis.answers(document), **analysis.calendar(analysis.originals(source.files))}
            assert json.loads(json.dumps(theirs)) == json.loads(json.dumps(full_key(source.files)))
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("rules", "statuses"):
            sys.modules.pop(name, None)


# -- the recording's stories, and the accounts the course and the lab guide erase -----------------


def test_the_recording_tells_the_stories_the_generator_put_in_it():
    """seed_data/README.md's stories, found by exercise 6's questions (the generator's design,
    not the answer key, says what they must be)."""
    from labctl.seedgen.statuses import _MEDIA_PULL
    from labctl.seedgen.words import TOPICS
    from labctl.seedgen.world import LATE_INSTANCE

    key = full_key(inputs.RECORDING_FILES)
    assert key["seasonal_tag"] in {tag.lower() for tag in TOPICS["adventofcode"]["tags"]["*"]}
    assert key["seasonal_tag_month"] == "2025-12"  # the puzzles' season, in the recording's only December
    assert key["late_instance"] == LATE_INSTANCE
    assert key["late_instance_month"] == key["seasonal_tag_month"]  # founded 60 days before 2026-01-31
    assert key["top_media_type"] == max(_MEDIA_PULL, key=_MEDIA_PULL.get)
    assert key["media_engagement_ratio"] > 1
    assert key["peak_growth_month"] == "2022-11"  # the migration wave (labctl/seedgen/accounts.py)
    assert key["top_country_region"] in {instance.rsplit(".", 1)[1] for instance in inputs.recording().instances}


def test_the_hidden_set_tells_its_stories_in_other_months():
    """An answer hard-coded for the recording fails the hidden check on each story of time."""
    recorded, hidden = full_key(inputs.RECORDING_FILES), full_key(inputs.generated().files)
    for question in ("seasonal_tag", "seasonal_tag_month", "late_instance_month", "top_country_region", "top_mention"):
        assert recorded[question] != hidden[question], question
        assert hidden[question] is not None, question


def guide_accounts() -> set[str]:
    """The accounts the lab guide erases (exercise 8) and keeps as a control (exercises 7 and 8)."""
    import re

    root = Path(__file__).resolve().parents[2] / "docs" / "lab-guide"
    found = set()
    for path in sorted(root.glob("*/0[78]-*.md")):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"labctl gdpr forget (\S+@\S+) ", text)) | set(re.findall(r"labctl query user (\S+@\S+)", text))
    return found


def test_the_course_erases_an_account_the_lab_guide_leaves_alone_and_the_other_way_round():
    from labctl.course.checks.governance import PUBLIC_ACCOUNT

    accounts = guide_accounts()
    assert {"vowensa@social.lupen.fr", "sesa_pics@mast.kiroba.jp"} <= accounts  # the parse finds what the guide names
    assert PUBLIC_ACCOUNT not in accounts
    assert not any(PUBLIC_ACCOUNT in other or other in PUBLIC_ACCOUNT for other in accounts)


def test_the_courses_account_wrote_was_mentioned_and_is_named_by_no_other_handle():
    from labctl.course.checks.governance import PUBLIC_ACCOUNT

    document = expected.document(inputs.RECORDING_FILES)
    assert PUBLIC_ACCOUNT in document["engagement"] and PUBLIC_ACCOUNT in document["mentions"]
    assert PUBLIC_ACCOUNT.rsplit("@", 1)[1] in inputs.recording().instances  # its server writes its acct bare

    def profile(handle: str) -> str:
        user, _, host = handle.rpartition("@")
        return f"{host}/@{user}"

    # prove.py searches substrings: another handle holding this one (or its profile path) would count too.
    handles = set(document["followers"]) | set(document["mentions"])
    assert [h for h in handles if h != PUBLIC_ACCOUNT and (PUBLIC_ACCOUNT in h or profile(PUBLIC_ACCOUNT) in profile(h))] == []


def test_the_recording_read_as_a_folder_is_its_three_files():
    # Exercise 5's DAG reads its param `input`, by default the folder, the grader the files.
    assert tables.files_of(inputs.RECORDING) == list(inputs.RECORDING_FILES)
    assert [path.name for path in inputs.RECORDING_FILES] == sorted(f"{i}.jsonl.gz" for i in inputs.recording().instances)
