"""The manifest is the one source of truth: compose's variables, labctl's ports, versions."""

from __future__ import annotations

import json
import re
import stat

import pytest

from labctl.core import compose as dc
from labctl.core import lab
from labctl.core.errors import CommandError
from labctl.core.manifest import COMPOSE_FILE, ENDPOINTS, Manifest
from labctl.core.secrets import airflow_login, ensure_secrets


def test_environment_overrides_the_manifest_file():
    manifest = Manifest(environ={"AIRFLOW_UI_PORT": "18080"})
    assert manifest.port("AIRFLOW_UI_PORT") == 18080
    assert manifest.port("NAMENODE_UI_PORT") == 9870


def test_every_variable_compose_uses_is_defined_in_the_manifest():
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    assert used, "the compose file reads nothing from the manifest?"
    assert used - set(Manifest(environ={}).values) == set()


def test_every_endpoint_port_is_published_by_compose_from_the_manifest():
    text = COMPOSE_FILE.read_text()
    for endpoint in ENDPOINTS:
        # The notebook runs code for whoever holds its token: loopback only, always.
        address = "127.0.0.1" if endpoint.service == "notebook" else "${LAB_BIND_ADDRESS}"
        assert address + ":${" + endpoint.port_key in text, endpoint.port_key


def test_ports_bind_to_loopback_by_default_and_host_follows_the_bind_address():
    assert Manifest(environ={}).bind_address == "127.0.0.1"
    assert Manifest(environ={"LAB_BIND_ADDRESS": "0.0.0.0"}).host == "127.0.0.1"
    assert Manifest(environ={"LAB_BIND_ADDRESS": "10.1.2.3"}).host == "10.1.2.3"


def test_workers_scale_the_three_worker_services_and_cap_replication_at_three(tmp_path):
    assert dc.worker_overrides(2) == {"LAB_WORKERS": "2", "HDFS_REPLICATION": "2"}
    assert dc.worker_overrides(4)["HDFS_REPLICATION"] == "3"
    # The compose file itself scales them, so testcontainers or a plain `docker compose up`
    # given the same environment start the lab `labctl up --workers 2` starts.
    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path)})
    config = json.loads(dc.compose(manifest, "config", "--format", "json", overrides=dc.worker_overrides(2)).stdout)
    for service in ("datanode", "nodemanager", "regionserver"):
        assert config["services"][service]["deploy"]["replicas"] == 2, service


def test_compose_env_makes_the_state_dir_absolute(tmp_path):
    env = dc.compose_env(Manifest(environ={"LAB_STATE_DIR": str(tmp_path)}))
    assert env["LAB_STATE_DIR"] == str(tmp_path)
    assert Manifest(environ={}).state_dir.is_absolute()


def test_secrets_are_private_generated_once_and_never_rotated(tmp_path):
    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "state")})
    directory = ensure_secrets(manifest)
    first = {path.name: path.read_text() for path in directory.iterdir()}
    assert set(first) >= {"postgres-password", "airflow-db-conn", "airflow-passwords.json"}
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    ensure_secrets(manifest)
    assert {path.name: path.read_text() for path in directory.iterdir()} == first
    user, password = airflow_login(manifest)
    assert user == "admin" and len(password) >= 12
    assert first["postgres-password"] in first["airflow-db-conn"]


def test_airflow_logins_in_the_manifest_are_the_documented_roles():
    from labctl.governance.roles import airflow_users

    assert Manifest(environ={})["AIRFLOW_USERS"] == airflow_users()


def test_every_airflow_login_gets_a_password_and_existing_ones_are_kept(tmp_path):
    from labctl.core.secrets import airflow_passwords

    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "s"), "AIRFLOW_USERS": "admin:admin"})
    ensure_secrets(manifest)
    admin = airflow_passwords(manifest)["admin"]
    grown = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "s"), "AIRFLOW_USERS": "admin:admin,student:viewer"})
    ensure_secrets(grown)
    passwords = airflow_passwords(grown)
    assert passwords["admin"] == admin and set(passwords) == {"admin", "student"}
    assert stat.S_IMODE((tmp_path / "s" / "secrets" / "airflow-passwords.json").stat().st_mode) == 0o600


def test_urls_name_the_airflow_logins_but_show_passwords_only_when_asked(tmp_path):
    from labctl.core.secrets import airflow_passwords

    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "s")})
    ensure_secrets(manifest)
    passwords = airflow_passwords(manifest)
    hidden, shown = lab.urls(manifest), lab.urls(manifest, show_passwords=True)
    assert not any(password in row["url"] for row in hidden for password in passwords.values())
    assert all(any(f"{login} / {password}" == row["url"] for row in shown) for login, password in passwords.items())
    assert {row["url"].split(" / ")[0] for row in hidden if "login" in row["name"]} == set(passwords)


def _fake_compose(outcomes):
    calls = []

    def compose(manifest, *args, overrides=None, **_):
        calls.append((args, overrides))
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
    return compose, calls


def test_compose_up_tries_once_more_after_a_failure_and_keeps_the_worker_count(monkeypatch):
    compose, calls = _fake_compose([CommandError(["up"], 1, "dependency failed: container is unhealthy\n"), None])
    monkeypatch.setattr(dc, "compose", compose)
    lab._compose_up(Manifest(environ={}), 2, 60)
    assert len(calls) == 2 and calls[0] == calls[1]
    assert calls[1][1]["LAB_WORKERS"] == "2" and calls[1][1]["HDFS_REPLICATION"] == "2"


def test_compose_up_failing_twice_raises_the_second_failure(monkeypatch):
    second = CommandError(["up"], 1, "still failing")
    compose, calls = _fake_compose([CommandError(["up"], 1, ""), second])
    monkeypatch.setattr(dc, "compose", compose)
    with pytest.raises(CommandError) as raised:
        lab._compose_up(Manifest(environ={}), 1, 60)
    assert raised.value is second and len(calls) == 2
