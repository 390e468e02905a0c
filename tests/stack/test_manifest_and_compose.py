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


def test_a_crash_while_rewriting_the_passwords_keeps_the_old_file(tmp_path, monkeypatch):
    """New logins rewrite airflow-passwords.json: a crash mid-write must not lose the others."""
    from labctl.core import secrets as lab_secrets

    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "s"), "AIRFLOW_USERS": "admin:admin"})
    directory = ensure_secrets(manifest)
    before = (directory / "airflow-passwords.json").read_bytes()

    def killed(fd):
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(lab_secrets.os, "fsync", killed)
    grown = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "s"), "AIRFLOW_USERS": "admin:admin,student:viewer"})
    with pytest.raises(KeyboardInterrupt):
        ensure_secrets(grown)
    assert (directory / "airflow-passwords.json").read_bytes() == before
    assert sorted(p.name for p in directory.iterdir() if p.name.startswith(".")) == []  # no staged leftovers
    monkeypatch.undo()
    ensure_secrets(grown)
    assert json.loads((directory / "airflow-passwords.json").read_text())["admin"] == json.loads(before)["admin"]


def test_a_crash_while_creating_a_secret_leaves_no_empty_secret(tmp_path, monkeypatch):
    """Created in place, a key cut short by a crash would exist, empty, and never be made again."""
    from labctl.core import secrets as lab_secrets

    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "s")})
    monkeypatch.setattr(lab_secrets.os, "fsync", lambda fd: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        ensure_secrets(manifest)
    directory = tmp_path / "s" / "secrets"
    assert list(directory.iterdir()) == []
    monkeypatch.undo()
    ensure_secrets(manifest)
    assert len((directory / "pseudonym-key").read_text()) == 64


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
    assert not any(password in json.dumps(row) for row in hidden for password in passwords.values())
    logins = [row for row in shown if "user" in row]
    assert {row["user"]: row["password"] for row in logins} == passwords
    # Fields of their own: the url is a URL, the user and password are not in it.
    for row in logins:
        assert row["url"] == f"http://127.0.0.1:{manifest.port('AIRFLOW_UI_PORT')}/"
    assert {row["user"] for row in hidden if "user" in row} == set(passwords)
    assert all("password" not in row for row in hidden)
    # The notebook's token too: a field of its own, only when asked.
    from labctl.core.secrets import notebook_token

    token = notebook_token(manifest)
    [notebook] = [row for row in shown if "token" in row]
    assert token and notebook.get("token") == token and token not in notebook["url"]
    assert not any(token in json.dumps(row) for row in hidden)


def test_urls_json_gives_user_and_password_fields(tmp_path, monkeypatch, capsys):
    from labctl import cli
    from labctl.core.secrets import airflow_passwords

    monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "s"))
    ensure_secrets(Manifest())
    assert cli.main(["urls", "--json", "--show-passwords"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["user"]: row["password"] for row in rows if "user" in row} == airflow_passwords(Manifest())
    assert all(row["url"].startswith(("http://", "127.0.0.1:")) for row in rows)


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
