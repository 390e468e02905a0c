"""The teacher's expected figures are generated, and a test fails when they drift from the
recording (run `python -m labctl.course.figures` then)."""

from __future__ import annotations

import pytest

from labctl.course import figures


@pytest.fixture(scope="module")
def data():
    return figures.facts()


@pytest.mark.parametrize("language", sorted(figures.WORDS))
def test_the_figures_page_is_what_the_script_writes_for_the_shipped_recording(language, data):
    path = figures.TEACHING / language / "figures.md"
    assert path.read_text(encoding="utf-8") == figures.render(language, data), (
        f"{path} is out of date with seed_data/: run `python -m labctl.course.figures`"
    )


def test_the_figures_agree_with_each_other(data):
    totals = data["totals"]
    for instance, landing in data["landings"].items():
        assert landing.written + landing.skipped == data["lines"][instance]  # no blank line in the recording
    assert sum(data["regions"].values()) == totals["statuses"]
    assert data["answers"]["top_mention"] == next(iter(data["mentions"]))
    assert data["traces"]["raw_lines"] > 0
