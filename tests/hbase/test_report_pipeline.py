"""The report's pipeline section (labctl/hbase/report_pipeline.py), from answers shaped as
Airflow 3's REST API gives them (tests/stack/fixtures hold real ones)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from labctl.hbase import report_pipeline as rp
from labctl.pipeline.steps import run_id_for

FIXTURES = Path(__file__).resolve().parents[1] / "stack" / "fixtures"
JOBHISTORY = "http://127.0.0.1:19888"


def _dag_run(run_id: str, end: str | None, run_after: str, state: str, duration: float | None) -> dict:
    # Every field as Airflow returns it, from a captured answer.
    template = json.loads((FIXTURES / "airflow_dag_runs.json").read_text())["dag_runs"][1]
    return {**template, "dag_run_id": run_id, "data_interval_end": end, "run_after": run_after, "state": state, "duration": duration}


RUNS = [
    _dag_run("manual__2026-11-28T03:10:00+00:00", None, "2026-11-28T03:10:00.5Z", "success", 140.0),
    _dag_run("scheduled__2026-11-28T02:00:00+00:00", "2026-11-28T02:00:00Z", "2026-11-28T02:00:00Z", "failed", 20.0),
    _dag_run("scheduled__2026-11-28T01:00:00+00:00", "2026-11-28T01:00:00Z", "2026-11-28T01:00:00Z", "success", 100.0),
]
THIS = run_id_for(datetime(2026, 11, 28, 3, 10, 0, 500000, tzinfo=timezone.utc))
PREVIOUS = run_id_for(datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc))


def _instances(durations: dict[str, float]) -> list[dict]:
    return [{"task_id": task, "state": "success", "duration": seconds, "try_number": 1, "start_date": None, "end_date": None} for task, seconds in durations.items()]


XCOMS = {
    RUNS[0]["dag_run_id"]: {
        "run_jobs": {"applications": ["application_1764300000000_0007", "application_1764300000000_0008"], "counters": {"records_read": 1200, "malformed": 18, "Map input records": 1218, "Spilled Records": 5}},
        "quality": {"records_read": 1200, "malformed": 18, "totals": {"statuses": 1000}},
    },
    RUNS[2]["dag_run_id"]: {
        "run_jobs": {"applications": ["application_1764300000000_0001"], "counters": {"records_read": 800, "malformed": 8}},
        "quality": {"records_read": 800, "malformed": 8, "totals": {"statuses": 700}},
    },
}
TASKS = {
    RUNS[0]["dag_run_id"]: _instances({"collect": 10.0, "run_jobs": 90.0, "quality": 5.0}),
    RUNS[2]["dag_run_id"]: _instances({"collect": 8.0, "run_jobs": 60.0, "quality": 4.0}),
}


class RecordedAirflow:
    """Answers recorded in Airflow's shapes, served by path, as AirflowAPI.get would."""

    def __init__(self):
        self.asked: list[str] = []

    def get(self, path: str, **params):
        self.asked.append(path)
        parts = path.strip("/").split("/")
        if parts[-1] == "dagRuns":
            return {"dag_runs": RUNS, "total_entries": len(RUNS)}
        if parts[-1] == "taskInstances":
            return {"task_instances": TASKS[parts[3]]}
        if parts[-2] == "xcomEntries":
            return {"value": XCOMS[parts[3]][parts[5]]}
        raise AssertionError(path)


def test_the_run_in_hbase_is_found_by_the_producers_rule_with_the_last_success_before_it():
    this, previous = rp.find_runs(RUNS, THIS)
    assert this["dag_run_id"] == RUNS[0]["dag_run_id"]
    # The failed run in between is not what the report compares with.
    assert previous["dag_run_id"] == RUNS[2]["dag_run_id"] and rp.lab_run_id(previous) == PREVIOUS
    assert rp.find_runs(RUNS, PREVIOUS)[1] is None
    assert rp.find_runs(RUNS, "run-20200101T000000Z") == (None, None)


def test_gathered_facts_come_from_the_api():
    section = rp.gather(RecordedAirflow(), THIS)
    this, previous = section["this"], section["previous"]
    assert [task["task_id"] for task in this["tasks"]] == ["collect", "run_jobs", "quality"]
    assert this["malformed_ratio"] == 18 / 1200 and previous["malformed_ratio"] == 8 / 800
    assert this["applications"] == XCOMS[RUNS[0]["dag_run_id"]]["run_jobs"]["applications"]
    assert rp.gather(RecordedAirflow(), "run-20200101T000000Z").keys() == {"unavailable"}


def test_rendered_section_links_jobhistory_compares_runs_and_fetches_nothing():
    html = rp.render(rp.gather(RecordedAirflow(), THIS), jobhistory=JOBHISTORY)
    for application in XCOMS[RUNS[0]["dag_run_id"]]["run_jobs"]["applications"]:
        job = application.replace("application_", "job_")
        assert f'href="{JOBHISTORY}/jobhistory/job/{job}"' in html and application in html
    assert f"{18 / 1200:.2%}" in html and f"{8 / 800:.2%}" in html
    assert f"{(18 / 1200 - 8 / 800) * 100:+.2f} pt" in html
    # run_jobs took 90 s against 60 s before: +30.0 (+50%).
    assert re.search(r"<td>run_jobs</td>.*?<td class=\"n\">90\.0</td><td class=\"n\">60\.0</td><td class=\"n\">\+30\.0 \(\+50%\)</td>", html)
    assert "Map input records" in html and "All 4 counters" in html and "Spilled Records" in html
    # Self-contained: no script, nothing loaded; the only URLs are links to the lab's UIs.
    assert "<script" not in html and " src=" not in html and "<link" not in html
    assert set(re.findall(r'https?://[^/"]+', html)) == {JOBHISTORY}


def test_a_first_run_and_an_unreachable_airflow_still_render():
    first = rp.render({"this": rp.run_facts(RUNS[2], TASKS[RUNS[2]["dag_run_id"]], None, None), "previous": None}, jobhistory=JOBHISTORY)
    assert "No earlier successful run" in first and "none recorded" in first
    down = rp.render({"unavailable": "Airflow could not answer (connection refused)"}, jobhistory=JOBHISTORY)
    assert "connection refused" in down


def test_the_whole_page_carries_the_section_after_the_hbase_ones(connection, pseudonymiser, generated_document):
    from labctl.hbase import loader, report, runs

    loader.load_run(connection, THIS, generated_document, pseudonymiser)
    runs.publish_run(connection, THIS)
    data = report.gather(connection)
    without = report.render(data)
    data["pipeline"] = {**rp.gather(RecordedAirflow(), data["run_id"]), "jobhistory": JOBHISTORY}
    page = report.render(data)
    assert "<h2>Pipeline</h2>" not in without and page.index("<h2>Pipeline</h2>") > page.index("<h2>Totals</h2>")
    assert "<script" not in page.lower() and " src=" not in page
