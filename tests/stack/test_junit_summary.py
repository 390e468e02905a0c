"""The end of every test run: seconds per test file, then one line of totals."""

from __future__ import annotations

from labctl.core import junit

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="4" time="9.0">
<testcase classname="smoke_tests.test_b" name="t1" time="2.5"/>
<testcase classname="smoke_tests.test_b" name="t2" time="1.5"><failure message="no"/></testcase>
<testcase classname="smoke_tests.test_a.TestGroup" name="t3" time="5.0"/>
<testcase classname="smoke_tests.test_a.TestGroup" name="t4" time="0"><skipped/></testcase>
</testsuite></testsuites>
"""


def test_each_file_gets_its_seconds_in_the_order_it_ran(tmp_path, capsys):
    report = tmp_path / "smoke.xml"
    report.write_text(REPORT)
    assert junit.seconds_per_file(report) == {"test_b.py": 4.0, "test_a.py": 5.0}
    assert junit.main([str(report)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "summary: 2 passed, 1 failed, 1 skipped"
    assert [line.split()[-1] for line in printed[1:3]] == ["test_b.py", "test_a.py"]


def test_a_missing_report_counts_as_an_error(tmp_path, capsys):
    assert junit.main([str(tmp_path / "none.xml")]) == 1
    assert capsys.readouterr().out.strip() == "summary: 0 passed, 1 failed, 0 skipped"
