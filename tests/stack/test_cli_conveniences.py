"""What users expect of a CLI: completion, --version, a shell, logs for a bug report, a way
to remove everything, readable help. No Docker: the lab's engine belongs to the lab."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from labctl.cli import app, reflow_help
from labctl.core import bundle, doctor, lab
from labctl.core import clean as cl
from labctl.core.errors import LabError
from labctl.core.manifest import OPTIONAL_SERVICES, REPO_ROOT, TRIGGERER_SERVICE, Manifest
from labctl.core.secrets import ensure_secrets, secrets_dir
from labctl.core.shell import shell_argv
from airflowstand import AirflowState, airflow_stand

runner = CliRunner()


def _labctl_completion(env: dict[str, str]) -> str:
    """Run the completion protocol as the shell does, through the `labctl` entry point."""
    code = "import sys; sys.argv = ['labctl']; from labctl.cli import entrypoint; entrypoint()"
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env}, capture_output=True, text=True, timeout=60)
    return result.stdout


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o default -F _labctl_completion labctl"), ("zsh", "#compdef labctl")])
def test_completion_scripts_are_generated_for_bash_and_zsh(shell, marker):
    result = runner.invoke(app, ["completion", shell])
    assert result.exit_code == 0, result.output
    assert marker in result.output and "_LABCTL_COMPLETE" in result.output


def test_completion_scripts_really_complete_commands():
    bash = _labctl_completion({"_LABCTL_COMPLETE": "complete_bash", "COMP_WORDS": "labctl sta", "COMP_CWORD": "1"})
    assert bash.split() == ["status"]
    zsh = _labctl_completion({"_LABCTL_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "labctl cle"})
    assert '"clean"' in zsh


def test_completion_refuses_an_unknown_shell():
    assert runner.invoke(app, ["completion", "tcsh"]).exit_code != 0


def test_version_flag_prints_the_projects_version():
    expected = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"labctl {expected}"


def test_shell_takes_a_terminal_only_when_there_is_one_and_passes_no_secret():
    on_tty = shell_argv("mastolab-airflow-scheduler-1", user="airflow", tty=True, edge=True, docker="/usr/bin/docker")
    assert on_tty[:3] == ["/usr/bin/docker", "exec", "-it"] and on_tty[-2:] == ["mastolab-airflow-scheduler-1", "bash"]
    assert on_tty[on_tty.index("--user") + 1] == "airflow"
    assert "LABCTL_ON_EDGE=1" in on_tty
    # A file path may be passed; a secret's value never is.
    assert not any("KEY=" in arg and not arg.endswith("_FILE") and "KEY_FILE" not in arg for arg in on_tty if arg.startswith("LABCTL_PSEUDONYM"))
    piped = shell_argv("mastolab-namenode-1", user=None, tty=False, edge=False, docker="/usr/bin/docker")
    assert piped == ["/usr/bin/docker", "exec", "-i", "mastolab-namenode-1", "bash"]


# --- logs --export -------------------------------------------------------------------


def _bundle_text(path: Path) -> dict[str, str]:
    with tarfile.open(path, "r:gz") as tar:
        return {member.name.split("/", 1)[1]: tar.extractfile(member).read().decode() for member in tar.getmembers()}


def test_exported_logs_hold_no_secret_in_any_form(tmp_path, monkeypatch):
    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "state")})
    ensure_secrets(manifest)
    planted = {path.name: path.read_text().strip() for path in secrets_dir(manifest).iterdir()}
    passwords = json.loads(planted.pop("airflow-passwords.json"))
    token = "mastodon-live-token-" + "x" * 24
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", token)
    secrets = [*planted.values(), *passwords.values(), token]
    from urllib.parse import quote

    # Logs as services write them: raw values, a URL with a password, escaped JSON, a query string.
    log = "\n".join(
        [f"INFO connecting to {planted['airflow-db-conn']}"]
        + [f"DEBUG value={value} quoted={quote(value, safe='')}" for value in secrets]
        + [f'{{"passwords": {json.dumps(passwords)}}}', "INFO an ordinary line that must stay"]
    )
    files = {"logs/mastolab-airflow-apiserver-1.log": log, "status.json": json.dumps({"detail": planted["notebook-token"]}), "version.json": "{}"}
    out = tmp_path / "bug-report.tar.gz"
    bundle.write_bundle(out, files, bundle.secret_values(manifest))
    contents = _bundle_text(out)
    assert set(contents) == set(files)
    everything = "\n".join(contents.values())
    leaked = [value for value in secrets for form in (value, quote(value, safe="")) if form in everything]
    assert leaked == []
    assert "an ordinary line that must stay" in everything and bundle.SCRUBBED in contents["status.json"]
    assert os.stat(out).st_mode & 0o077 == 0
    raw = out.read_bytes()
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        assert all(member.name.startswith("bug-report/") for member in tar.getmembers())


# --- clean -------------------------------------------------------------------------


class _Volume:
    def __init__(self, engine, name, project):
        self.engine, self.name, self.project = engine, name, project

    def remove(self, force=False):
        self.engine.removed.append(("volume", self.name))
        self.engine._volumes.remove(self)


class _Image:
    def __init__(self, tags):
        self.tags = tags


class _FakeEngine:
    """The SDK calls clean makes, over a daemon that also holds other people's things."""

    def __init__(self):
        self.removed: list[tuple[str, str]] = []
        self._volumes = [_Volume(self, name, project) for name, project in [
            ("mastolab_namenode-data", "mastolab"), ("mastolab_notebook-work", "mastolab"), ("mastolab_old-volume", "mastolab"),
            ("other_pgdata", "other"), ("loose-volume", None),
        ]]
        self._images = [_Image(tags) for tags in [
            ["mastolab/jvm:0.2.0", "mastolab/jvm:0.1.0"], ["mastolab/airflow:0.2.0"], ["mastolab/bookworm:local"],
            ["debian:bookworm-slim"], ["mastolab-test/notebook:check"], ["someone/mastolab:1"], [],
        ]]
        engine = self

        class Volumes:
            def list(self, filters):
                project = filters["label"].split("=", 1)[1]
                return [volume for volume in engine._volumes if volume.project == project]

            def get(self, name):
                return next(volume for volume in engine._volumes if volume.name == name)

        class Images:
            def list(self):
                return engine._images

            def remove(self, tag, force=False, noprune=False):
                engine.removed.append(("image", tag))

        class Containers:  # no lab runs: `clean` asks which labs the images serve
            def list(self, all=False, filters=None):
                return []

        self.volumes, self.images, self.containers = Volumes(), Images(), Containers()


def test_clean_removes_what_it_lists_and_only_that(tmp_path):
    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "state")})
    ensure_secrets(manifest)
    kept_state = manifest.state_dir / "checkpoints" / "public.json"
    kept_state.parent.mkdir(parents=True)
    kept_state.write_text("{}")
    binary = tmp_path / "venv" / "bin" / "docker-compose"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    link = tmp_path / "home" / ".docker" / "cli-plugins" / "docker-compose"
    link.parent.mkdir(parents=True)
    link.symlink_to(binary)
    engine = _FakeEngine()

    items = cl.plan(manifest, engine, link=link, binary=binary)
    assert {(item.kind, item.name) for item in items} == {
        ("volume", "mastolab_namenode-data"), ("volume", "mastolab_notebook-work"), ("volume", "mastolab_old-volume"),
        ("image", "mastolab/jvm:0.2.0"), ("image", "mastolab/jvm:0.1.0"), ("image", "mastolab/airflow:0.2.0"), ("image", "mastolab/bookworm:local"),
        ("secrets", str(secrets_dir(manifest))), ("plugin link", str(link)),
    }

    downs = []

    def compose(manifest, *args, **_):
        downs.append(args)
        # compose down --volumes removes the volumes its model names.
        for volume in list(engine._volumes):
            if volume.name in ("mastolab_namenode-data", "mastolab_notebook-work"):
                engine._volumes.remove(volume)

    cl.execute(manifest, engine, items, compose=compose)
    assert downs and "--volumes" in downs[0]
    # Every optional service's profile, so that compose's model holds its containers and volumes.
    before_down = downs[0][: downs[0].index("down")]
    assert [before_down[i + 1] for i, arg in enumerate(before_down) if arg == "--profile"] == list(OPTIONAL_SERVICES)
    assert sorted(engine.removed) == sorted([("volume", "mastolab_old-volume")] + [("image", item.name) for item in items if item.kind == "image"])
    # The images built on the base go before it.
    assert [name for kind, name in engine.removed if kind == "image"][-1] == "mastolab/bookworm:local"
    assert {volume.name for volume in engine._volumes} == {"other_pgdata", "loose-volume"}
    assert not secrets_dir(manifest).exists() and kept_state.exists()
    assert not link.exists() and not link.is_symlink() and binary.exists()


def test_clean_keeps_a_compose_plugin_of_the_users_own(tmp_path):
    binary = tmp_path / "venv" / "bin" / "docker-compose"
    binary.parent.mkdir(parents=True)
    binary.write_text("")
    users = tmp_path / "cli-plugins" / "docker-compose"
    users.parent.mkdir()
    users.write_text("#!/bin/sh\n")
    assert not cl.plugin_link_is_ours(users, binary)
    elsewhere = tmp_path / "cli-plugins" / "other-link"
    elsewhere.symlink_to(tmp_path / "usr-libexec-docker-compose")
    assert not cl.plugin_link_is_ours(elsewhere, binary)
    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "nothing")})
    assert all(item.kind != "plugin link" for item in cl.plan(manifest, _FakeEngine(), link=users, binary=binary))


def test_clean_asks_before_removing(monkeypatch, tmp_path):
    from labctl.core import engine as eng

    manifest_env = {"LAB_STATE_DIR": str(tmp_path / "state")}
    monkeypatch.setattr(eng, "client", lambda **_: _FakeEngine())
    monkeypatch.setattr(cl, "execute", lambda *a, **k: pytest.fail("removed without confirmation"))
    result = runner.invoke(app, ["clean"], input="n\n", env=manifest_env)
    assert result.exit_code == 1 and "mastolab/jvm:0.2.0" in result.output


# --- doctor ------------------------------------------------------------------------


class _InfoEngine:
    def __init__(self, memory, cpus):
        self._info = {"MemTotal": memory, "NCPU": cpus}

    def info(self):
        return self._info


def test_doctor_judges_the_engines_memory_and_cpus_not_the_hosts(tmp_path):
    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "state")})
    small = doctor.engine_resources(_InfoEngine(4 * 1024**3, 1))
    memory, cpus = doctor._memory(small, manifest), doctor._cpus(small)
    assert not memory.ok and "4.0 GiB" in memory.detail and not cpus.ok and "1 CPU " in cpus.detail + " "
    big = doctor.engine_resources(_InfoEngine(24 * 1024**3, 2))
    assert doctor._memory(big, manifest).ok and doctor._cpus(big).ok
    assert not doctor._memory(None, manifest).ok


def test_doctor_json_lists_every_finding(monkeypatch):
    findings = [doctor.Finding("engine memory", False, "4.0 GiB for containers", "give it more"), doctor.Finding("disk", True, "90 GiB free", "")]
    monkeypatch.setattr(doctor, "diagnose", lambda manifest, fix: findings)
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output) == [
        {"check": "engine memory", "ok": False, "detail": "4.0 GiB for containers", "fix": "give it more"},
        {"check": "disk", "ok": True, "detail": "90 GiB free", "fix": ""},
    ]


# --- readable help -----------------------------------------------------------------


def _commands(command: click.Command, path: list[str]):
    yield path
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, [*path, name])


def test_reflow_joins_hard_wrapped_paragraphs_and_keeps_lists():
    text = """First line
    goes on.

    Second paragraph, hard
    wrapped here.

    - one item
    - another
    """
    assert reflow_help(text) == "First line goes on.\n\nSecond paragraph, hard wrapped here.\n\n- one item\n- another"


def test_no_help_text_breaks_a_sentence_mid_paragraph():
    ragged = []
    for path in _commands(typer.main.get_command(app), []):
        output = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"}).output
        # The description: between the usage line and the first panel.
        description = output[output.index("Usage"):].split("╭", 1)[0].splitlines()[1:]
        lines = [line.strip() for line in description]
        for line, following in zip(lines, lines[1:]):
            # A line that stops well short of the width while its sentence goes on below.
            if line and following and len(line) < 70 and not line.endswith((".", ":")) and re.match(r"[a-z(`]", following):
                ragged.append((" ".join(path), line, following))
    assert ragged == []


def test_a_hard_wrapped_multi_paragraph_docstring_renders_without_ragged_breaks():
    from labctl.cli import _reflow_all

    demo = typer.Typer()

    @demo.command()
    def first() -> None:
        """Summary line.

        A second paragraph written hard-wrapped at a narrow width
        as docstrings are, which Typer would print line by line.
        """

    @demo.command()
    def second() -> None:
        """Another."""

    _reflow_all(demo)
    output = runner.invoke(demo, ["first", "--help"], env={"COLUMNS": "200"}).output
    assert "A second paragraph written hard-wrapped at a narrow width as docstrings are, which Typer would print line by line." in output


def test_timeline_default_reads_public():
    output = runner.invoke(app, ["collect", "--help"], terminal_width=200).output
    assert "Timeline(" not in output
    assert re.search(r"\[default: \(?public\)?\]", output)


# --- the notebook service ----------------------------------------------------------


def test_urls_show_the_notebook_and_its_token_only_when_asked(tmp_path):
    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "s")})
    ensure_secrets(manifest)
    token = (secrets_dir(manifest) / "notebook-token").read_text().strip()
    hidden = lab.urls(manifest)
    assert any(row["url"] == f"http://127.0.0.1:{manifest['NOTEBOOK_PORT']}/lab" for row in hidden)
    assert not any(token in row["url"] for row in hidden)
    shown = lab.urls(manifest, show_passwords=True)
    # A field of its own (`labctl urls --json`); the table shows the URL that opens it.
    [notebook] = [row for row in shown if "token" in row]
    assert notebook["token"] == token and token not in notebook["url"]
    assert lab.where_text(notebook) == f"http://127.0.0.1:{manifest['NOTEBOOK_PORT']}/lab?token={token}"


def _compose_config(tmp_path, *profiles: str) -> dict:
    from labctl.core import compose as dc

    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "state")})
    ensure_secrets(manifest)
    return json.loads(dc.compose(manifest, *dc.profile_args(profiles), "config", "--format", "json").stdout)


def test_notebook_is_optional_loopback_only_and_reads_its_token_from_a_secret_file(tmp_path):
    assert "notebook" not in _compose_config(tmp_path)["services"]
    config = _compose_config(tmp_path, "notebook")
    notebook = config["services"]["notebook"]
    assert [(port["host_ip"], port["target"]) for port in notebook["ports"]] == [("127.0.0.1", 8888)]
    assert [secret["source"] for secret in notebook["secrets"]] == ["notebook-token"]
    token = (tmp_path / "state" / "secrets" / "notebook-token").read_text().strip()
    # Nothing docker inspect shows (environment, command, entrypoint) holds or names the token.
    visible = json.dumps({key: notebook.get(key) for key in ("environment", "command", "entrypoint", "labels")})
    assert token not in visible and "token" not in visible.lower()
    networks = set(notebook.get("networks") or {"default": None})
    assert networks == set(config["services"]["hbase-thrift"].get("networks") or {"default": None})
    server_config = (REPO_ROOT / "stack/images/notebook/jupyter_server_config.py").read_text()
    assert 'Path("/run/lab-secrets/notebook-token").read_text()' in server_config


def test_the_triggerer_is_optional_and_airflow_is_healthy_without_it(tmp_path, monkeypatch):
    """No task of the lab's DAG defers: the triggerer starts only with --with, Airflow's own
    check does not wait for it, and its own check does when it was asked for."""
    from labctl.core import health

    assert TRIGGERER_SERVICE not in _compose_config(tmp_path)["services"]
    assert TRIGGERER_SERVICE in _compose_config(tmp_path, TRIGGERER_SERVICE)["services"]
    assert set(OPTIONAL_SERVICES) == set(health.OPTIONAL_CHECKS)
    state = AirflowState(health={"metadatabase": "healthy", "scheduler": "healthy", "dag_processor": "healthy", "triggerer": None})
    with airflow_stand(state) as port:
        monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "state"))
        manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "state"), "AIRFLOW_UI_PORT": str(port)})
        assert "no DAG import errors" in health.airflow(manifest, 1)
        monkeypatch.setattr(lab, "service_log_tail", lambda manifest, service, lines: f"last lines of {service}")
        with pytest.raises(LabError) as raised:
            lab.wait_optional(manifest, TRIGGERER_SERVICE, timeout=0.3, poll=0.1)
        assert "not healthy yet: triggerer" in raised.value.message
        state.health["triggerer"] = "healthy"
        assert "deferred tasks" in lab.wait_optional(manifest, TRIGGERER_SERVICE, timeout=1)
        state.health["dag_processor"] = "unhealthy"
        with pytest.raises(health.NotReady, match="dag_processor"):
            health.airflow(manifest, 1)


def test_up_refuses_an_unknown_optional_service():
    from labctl.core.errors import LabError

    with pytest.raises(LabError, match="no optional service"):
        lab.up(Manifest(environ={}), workers=1, timeout=1, with_services=("spark",))


def test_up_with_notebook_builds_its_image_starts_its_profile_and_waits_for_it(monkeypatch):
    from labctl.core import images

    done: list[tuple] = []
    monkeypatch.setattr(lab.eng, "client", lambda **_: object())
    monkeypatch.setattr(lab, "ensure_secrets", lambda manifest: None)
    monkeypatch.setattr(lab, "running_optional", lambda: set())
    monkeypatch.setattr(lab, "running_datanodes", lambda: 1)
    # The image list decides: the notebook's image is missing, and wanted only with --with.
    monkeypatch.setattr(images, "missing_images", lambda engine, manifest, optional=(): [spec.name for spec in images.IMAGES if images.wanted(spec, optional) and spec.name != "jvm"])
    monkeypatch.setattr(lab, "build", lambda manifest, only, ca_bundle, no_cache: done.append(("build", tuple(only))))
    monkeypatch.setattr(lab, "_compose_up", lambda manifest, workers, timeout, optional=(): done.append(("compose up", optional)))
    monkeypatch.setattr(lab, "wait_healthy", lambda manifest, workers, timeout: done.append(("healthy",)) or [])
    monkeypatch.setattr(lab, "wait_optional", lambda manifest, service, timeout: done.append(("healthy", service)))
    lab.up(Manifest(environ={}), workers=1, timeout=60, with_services=("notebook",))
    assert done == [("build", ("airflow", "postgres", "notebook")), ("compose up", ("notebook",)), ("healthy",), ("healthy", "notebook")]
    done.clear()
    lab.up(Manifest(environ={}), workers=1, timeout=60)
    assert done == [("build", ("airflow", "postgres")), ("compose up", ()), ("healthy",)]


def test_compose_up_passes_the_profiles_before_the_subcommand(monkeypatch):
    from labctl.core import compose as dc

    calls = []
    monkeypatch.setattr(dc, "compose", lambda manifest, *args, **_: calls.append(args))
    lab._compose_up(Manifest(environ={}), 1, 60, ("notebook",))
    assert calls[0][:3] == ("--profile", "notebook", "up")


def test_clean_names_what_it_could_not_remove_and_removes_the_rest(tmp_path):
    from docker.errors import APIError

    from labctl.core.errors import LabError

    manifest = Manifest(environ={"LAB_STATE_DIR": str(tmp_path / "state")})
    ensure_secrets(manifest)
    engine = _FakeEngine()

    def remove(tag, force=False, noprune=False):
        if tag == "mastolab/airflow:0.2.0":
            raise APIError("conflict: image is being used by stopped container 1234")
        engine.removed.append(("image", tag))

    engine.images.remove = remove
    items = cl.plan(manifest, engine, link=tmp_path / "none", binary=tmp_path / "none")
    with pytest.raises(LabError) as raised:
        cl.execute(manifest, engine, items, compose=lambda *a, **k: None)
    assert "1 of" in raised.value.message and "mastolab/airflow:0.2.0" in raised.value.details
    assert ("image", "mastolab/jvm:0.2.0") in engine.removed and not secrets_dir(manifest).exists()


def test_the_notebook_is_probed_from_the_host_on_its_published_port(monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from labctl.core.errors import LabError

    class JupyterApi(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"version": "2.17.0"}).encode() if self.path == "/api" else b"{}"
            self.send_response(200 if self.path == "/api" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), JupyterApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        manifest = Manifest(environ={"NOTEBOOK_PORT": str(server.server_port)})
        assert lab.wait_optional(manifest, "notebook", timeout=5) == "JupyterLab's server 2.17.0 answers"
    finally:
        server.shutdown()
    monkeypatch.setattr(lab, "service_log_tail", lambda manifest, service, lines: f"last lines of {service}")
    with pytest.raises(LabError) as raised:
        lab.wait_optional(Manifest(environ={"NOTEBOOK_PORT": str(server.server_port)}), "notebook", timeout=0.5, poll=0.1)
    assert "JupyterLab is not working" in raised.value.message and raised.value.details == "last lines of notebook"
