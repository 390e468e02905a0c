"""`labctl token store --conn-id ID`: the id is checked against Airflow's rule for keys
before anything is sent, and lands in exactly one path segment of the REST call (to a
loopback stand-in of Airflow's API that records what reaches it, airflowstand.py)."""

from __future__ import annotations

import pytest
from airflowstand import AirflowState, airflow_stand

from labctl import cli
from labctl.core.manifest import Manifest
from labctl.core.secrets import ensure_secrets


@pytest.fixture
def airflow(tmp_path, monkeypatch):
    state = AirflowState(connections=["my.conn-1"])
    with airflow_stand(state) as port:
        monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "state"))
        monkeypatch.setenv("AIRFLOW_UI_PORT", str(port))
        monkeypatch.setenv("MASTODON_ACCESS_TOKEN", "tok-" + "x" * 20)
        monkeypatch.delenv("MASTODON_ACCESS_TOKEN_FILE", raising=False)
        ensure_secrets(Manifest())
        yield state.calls


@pytest.mark.parametrize("conn_id", ["a/b", "..", ".", "x?y=1", "x#y", "mastodon default", "", "a" * 251])
def test_a_conn_id_airflow_would_not_take_is_a_usage_error_and_nothing_is_sent(airflow, capsys, conn_id):
    assert cli.main(["token", "store", "--instance", "https://m.example", "--conn-id", conn_id]) == 2
    assert "connection id" in " ".join(capsys.readouterr().err.replace("│", " ").split())
    assert airflow == []


def test_an_existing_connection_is_patched_at_its_own_path(airflow):
    assert cli.main(["token", "store", "--instance", "https://m.example", "--conn-id", "my.conn-1"]) == 0
    method, path, body = airflow[-1]
    assert (method, path) == ("PATCH", "/api/v2/connections/my.conn-1")
    assert body["connection_id"] == "my.conn-1" and body["password"] == "tok-" + "x" * 20


def test_a_new_connection_is_posted(airflow):
    assert cli.main(["token", "store", "--instance", "https://m.example", "--conn-id", "other_conn"]) == 0
    assert airflow[-1][:2] == ("POST", "/api/v2/connections")
