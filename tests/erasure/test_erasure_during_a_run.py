"""An erasure never runs beside a pipeline run: a run that read the raw zone before it would
write the account back. The host pauses the DAG (no new run starts), waits for a running
run or refuses with a clear message, then gives the pause flag back (labctl.core.runs and
the host's side of @on_edge in labctl/commands/gdpr.py and labctl/core/edge.py), through Airflow's REST API client."""

from __future__ import annotations

import pytest
from airflowstand import AirflowState, airflow_stand

from labctl import cli
from labctl.core import edge, runs
from labctl.core.airflow_api import AirflowAPI
from labctl.core.errors import LabError
from labctl.core.manifest import Manifest
from labctl.core.secrets import ensure_secrets


@pytest.fixture
def lab(tmp_path, monkeypatch):
    state = AirflowState()
    with airflow_stand(state) as port:
        monkeypatch.setenv("AIRFLOW_UI_PORT", str(port))
        monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "state"))
        ensure_secrets(Manifest())
        yield state, AirflowAPI(Manifest(), timeout=5)


def test_no_run_the_dag_is_paused_during_the_work_and_unpaused_after(lab):
    state, api = lab
    seen = []
    with runs.pipeline_quiet(api, wait=0, what="the erasure"):
        seen.append(state.paused)
    assert seen == [True] and state.paused is False and state.paused_history == [True, False]


def test_a_running_run_is_waited_for(lab):
    state, api = lab
    state.runs = [{"dag_run_id": "scheduled__1", "state": "running"}]
    state.ends_after = {"scheduled__1": 2}
    done = []
    with runs.pipeline_quiet(api, wait=60, what="the erasure", poll=0.01):
        done.append([run["state"] for run in state.runs])
    assert done == [["success"]] and state.paused is False


def test_a_run_that_does_not_end_in_time_refuses_the_erasure(lab):
    state, api = lab
    state.runs = [{"dag_run_id": "scheduled__2", "state": "running"}, {"dag_run_id": "manual__1", "state": "queued"}]
    body = []
    with pytest.raises(LabError, match=r"the erasure refused: run scheduled__2 of mastodon_pipeline is running") as caught:
        with runs.pipeline_quiet(api, wait=0.05, what="the erasure", poll=0.01):
            body.append(1)
    assert body == [] and "--wait" in caught.value.hint
    assert state.paused is False  # given back


def test_a_paused_dag_stays_paused(lab):
    state, api = lab
    state.paused = True
    with runs.pipeline_quiet(api, wait=0, what="the erasure"):
        pass
    assert state.paused is True and state.paused_history == []


def test_labctl_gdpr_forget_runs_on_the_edge_only_while_the_dag_is_quiet(lab, monkeypatch):
    state, _ = lab
    forwarded = []
    monkeypatch.setattr(edge, "run_labctl", lambda argv, **kw: forwarded.append((argv, state.paused)) or (0, "done\n"))
    assert cli.main(["gdpr", "forget", "alice@example.social", "--wait", "0"]) == 0
    [(argv, paused_then)] = forwarded
    assert argv[:3] == ["gdpr", "forget", "alice@example.social"] and paused_then is True
    assert state.paused is False


def test_labctl_gdpr_forget_during_a_run_is_refused_and_not_forwarded(lab, monkeypatch, capsys):
    state, _ = lab
    state.runs = [{"dag_run_id": "scheduled__3", "state": "running"}]
    forwarded = []
    monkeypatch.setattr(edge, "run_labctl", lambda argv, **kw: forwarded.append(argv) or (0, ""))
    assert cli.main(["gdpr", "forget", "alice@example.social", "--wait", "0"]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert "gdpr forget refused: run scheduled__3 of mastodon_pipeline is running" in said and "hint:" in said
    assert forwarded == [] and state.paused is False


def test_a_dry_run_needs_no_quiet_pipeline(lab, monkeypatch):
    state, _ = lab
    state.runs = [{"dag_run_id": "scheduled__4", "state": "running"}]
    monkeypatch.setattr(edge, "run_labctl", lambda argv, **kw: (0, ""))
    assert cli.main(["gdpr", "forget", "alice@example.social", "--dry-run"]) == 0
    assert state.paused_history == []


def test_labctl_lake_shows_the_labs_retention(lab, monkeypatch):
    state, _ = lab
    state.variables = {"raw_retention_days": "12"}
    forwarded = []
    monkeypatch.setattr(edge, "run_labctl", lambda argv, **kw: forwarded.append(argv) or (0, ""))
    assert cli.main(["lake"]) == 0
    assert forwarded[0][-2:] == ["--keep-days", "12"]
