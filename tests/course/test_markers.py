"""Solution and hidden-test markers: stripped as nbgrader does, never leaked by a typo."""

from __future__ import annotations

import pytest

from labctl.course.markers import MarkerError, has_markers, instructor_version, regions, student_version

SOURCE = """def f(x):
    ### BEGIN SOLUTION
    return x + 1
    ### END SOLUTION

def test_public():
    assert f(1) == 2
### BEGIN HIDDEN TESTS
def test_hidden():
    assert f(-1) == 0
### END HIDDEN TESTS
"""


def test_a_solution_becomes_a_stub_at_its_indentation():
    student = student_version(SOURCE, "x.py")
    assert "    # YOUR CODE HERE\n    raise NotImplementedError()\n" in student
    assert "return x + 1" not in student


def test_hidden_tests_leave_nothing():
    student = student_version(SOURCE, "x.py")
    assert "test_hidden" not in student and "f(-1)" not in student
    assert "def test_public" in student


def test_the_instructor_version_keeps_everything_but_the_markers():
    full = instructor_version(SOURCE, "x.py")
    assert "return x + 1" in full and "def test_hidden" in full
    assert not has_markers(full)


def test_the_stripped_python_still_compiles_and_fails_where_the_work_is():
    namespace: dict = {}
    exec(compile(student_version(SOURCE, "x.py"), "x.py", "exec"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_stubs_follow_the_file_type():
    markdown = "# Notes\n<!-- BEGIN SOLUTION -->\nthe answer\n<!-- END SOLUTION -->\n"
    assert student_version(markdown, "notes.md") == "# Notes\nYOUR ANSWER HERE\n"
    shell = "set -e\n### BEGIN SOLUTION\nlabctl gdpr forget x\n### END SOLUTION\n"
    assert student_version(shell, "run.sh") == "set -e\n# YOUR CODE HERE\nexit 1\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a\n### BEGIN SOLUTION\nb\n", 2),  # never closed
        ("a\n### END SOLUTION\n", 2),  # closed, never opened
        ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n### END SOLUTION\n", 2),  # nested
        ("### BEGIN SOLUTION\nx\n### END HIDDEN TESTS\n", 3),  # the wrong end
    ],
)
def test_markers_that_do_not_pair_up_are_an_error_naming_the_line(text, line):
    with pytest.raises(MarkerError, match=f"x.py:{line}:"):
        student_version(text, "x.py")


def test_regions_are_listed_with_their_lines():
    found = regions(SOURCE, "x.py")
    assert [(region.kind, region.start, region.end) for region in found] == [("SOLUTION", 2, 4), ("HIDDEN TESTS", 8, 11)]
