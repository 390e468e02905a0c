"""Where a command runs is declared beside it (@on_edge) and carried out by labctl/core/edge.py:
from the host, commands that touch the lab's HDFS run on the edge node; with a lake of their
own, on the edge itself, or against another target, they run where they are."""

from __future__ import annotations

import inspect
import json

import pytest
import typer
from airflowstand import AirflowState, airflow_stand

from labctl.cli import app, main
from labctl.core import edge
from labctl.core.addresses import LAB_NETWORK, TARGET_ENV
from labctl.core.manifest import Manifest
from labctl.core.secrets import ensure_secrets


@pytest.fixture
def airflow(monkeypatch, tmp_path):
    """Airflow's API as the host sees it (a stand-in): gdpr forget and purge run while no DAG run
    does, lake shows the lab's retention; both ask it from the host before forwarding."""
    state = AirflowState()
    with airflow_stand(state) as port:
        monkeypatch.setenv("AIRFLOW_UI_PORT", str(port))
        monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "state"))
        ensure_secrets(Manifest())
        yield state


@pytest.fixture
def edge_node(monkeypatch, tmp_path, airflow):
    """The edge node, stood in for: what ran there, what was copied and removed."""
    seen = {"ran": [], "copied": {}, "secrets": {}, "removed": []}

    def run_labctl(args, *, environment=None, check=False):
        seen["ran"].append((list(args), dict(environment or {})))
        return 0, "ran on the edge\n"

    def copy_to_edge(path):
        remote = f"/edge/upload/{path.name}"
        seen["copied"][remote] = path.read_bytes()
        return remote

    def secret_file_on_edge(name, value):
        remote = f"/edge/secrets/{name}"
        seen["secrets"][remote] = value
        return remote

    monkeypatch.setattr(edge, "run_labctl", run_labctl)
    monkeypatch.setattr(edge, "copy_to_edge", copy_to_edge)
    monkeypatch.setattr(edge, "secret_file_on_edge", secret_file_on_edge)
    monkeypatch.setattr(edge, "remove_on_edge", lambda path: seen["removed"].append(path))
    monkeypatch.delenv(TARGET_ENV, raising=False)
    monkeypatch.delenv("MASTODON_ACCESS_TOKEN_FILE", raising=False)
    return seen


def test_collect_runs_on_the_edge_with_the_token_as_a_file_never_an_argument(edge_node, monkeypatch, capsys):
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", "s3cret-token")
    argv = ["collect", "--instance", "https://mastodon.example", "--limit", "5"]
    assert main(argv) == 0
    (ran, environment), = edge_node["ran"]
    assert ran == argv
    token_file = environment["MASTODON_ACCESS_TOKEN_FILE"]
    assert edge_node["secrets"][token_file] == "s3cret-token" and "s3cret-token" not in " ".join(ran)
    assert edge_node["removed"] == [token_file]
    assert "ran on the edge" in capsys.readouterr().out


def test_ingest_copies_the_hosts_files_to_the_edge_and_names_them_there(edge_node, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    first.write_bytes(b'{"id": "1"}\n')
    second.write_bytes(b"\x1f\x8b")
    assert main(["ingest", str(first), str(second), "--as-instance", "import"]) == 0
    (ran, _), = edge_node["ran"]
    assert ran == ["ingest", "/edge/upload/a.jsonl", "/edge/upload/b.jsonl.gz", "--as-instance", "import"]
    assert edge_node["copied"]["/edge/upload/a.jsonl"] == first.read_bytes()
    assert sorted(edge_node["removed"]) == sorted(edge_node["copied"])


def test_gdpr_forget_names_the_person_at_the_host_unless_an_actor_is_given(edge_node):
    assert main(["gdpr", "forget", "alice@example.org", "--dry-run"]) == 0
    assert main(["gdpr", "forget", "alice@example.org", "--actor", "dpo"]) == 0
    (first, _), (second, _) = edge_node["ran"]
    assert first[:4] == ["gdpr", "forget", "alice@example.org", "--dry-run"] and first[-2] == "--actor" and first[-1] == edge.host_login()
    assert second.count("--actor") == 1 and second[-1] == "dpo"


def test_lake_and_its_commands_run_on_the_edge(edge_node):
    assert main(["lake", "--json"]) == 0
    assert main(["lake", "prune", "--keep-days", "3", "--dry-run"]) == 0
    assert [ran for ran, _ in edge_node["ran"]] == [["lake", "--json"], ["lake", "prune", "--keep-days", "3", "--dry-run"]]


def test_a_lake_of_its_own_runs_here(edge_node, tmp_path, capsys):
    assert main(["lake", "--lake", str(tmp_path), "--json"]) == 0
    assert main(["lake", "--lake", str(tmp_path), "prune", "--dry-run"]) == 0
    assert main(["lake", "prune", "--lake", str(tmp_path), "--dry-run"]) == 0
    assert edge_node["ran"] == []
    assert json.loads(capsys.readouterr().out.split("\nwould")[0].split("\n0 partition")[0])["root"] == "/lake"


def test_on_the_edge_itself_it_runs_there(edge_node, monkeypatch, tmp_path):
    monkeypatch.setenv(TARGET_ENV, LAB_NETWORK)
    monkeypatch.setenv("LABCTL_LAKE", str(tmp_path))
    assert main(["lake", "--json"]) == 0
    assert edge_node["ran"] == []


def test_help_is_never_forwarded(edge_node, capsys):
    assert main(["collect", "--help"]) == 0
    assert edge_node["ran"] == [] and "Collect what is new" in capsys.readouterr().out


def _commands(group: typer.Typer, path: tuple[str, ...] = ()):
    if group.registered_callback is not None:
        yield path, group.registered_callback.callback
    for command in group.registered_commands:
        yield (*path, command.name or command.callback.__name__), command.callback
    for sub in group.registered_groups:
        yield from _commands(sub.typer_instance, (*path, sub.name or ""))


def test_every_command_with_a_lake_declares_where_it_runs():
    undeclared = [" ".join(path) for path, callback in _commands(app)
                  if callback is not None and "lake" in inspect.signature(callback).parameters and not hasattr(callback, "on_edge")]
    assert undeclared == []


def test_seed_file_is_ingest_on_the_edge(edge_node, tmp_path):
    data = tmp_path / "mine.jsonl"
    data.write_bytes(b'{"id": "1"}\n')
    assert main(["seed", "--file", str(data), "--as-instance", "mine"]) == 0
    (ran, _), = edge_node["ran"]
    assert ran == ["ingest", "/edge/upload/mine.jsonl", "--as-instance", "mine"]


def test_seed_live_and_source_live_are_one_choice(edge_node, monkeypatch):
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", "tok")
    assert main(["seed", "--source", "live", "--instance", "https://m.example", "--limit", "3"]) == 0
    assert main(["seed", "--live", "--instance", "https://m.example", "--limit", "3"]) == 0  # the older spelling
    (first, first_env), (second, second_env) = edge_node["ran"]
    assert first == second == ["collect", "--instance", "https://m.example", "--timeline", "public", "--limit", "3"]
    assert set(first_env) == set(second_env) == {"MASTODON_ACCESS_TOKEN_FILE"}


def test_seed_recorded_collects_each_recorded_instance_from_the_replay_server_the_edge_reaches(edge_node, monkeypatch):
    from labctl.commands import feeds
    from labctl.core import addresses as ab

    monkeypatch.setattr(feeds, "recorded_instances", lambda manifest: ["a.example", "b.example"])
    assert main(["seed"]) == 0
    replay = ab.current(target=ab.LAB_NETWORK).replay
    assert [ran[2] for ran, _ in edge_node["ran"]] == [f"{replay}/a.example", f"{replay}/b.example"]


@pytest.mark.parametrize("argv", [["seed", "--source", "live", "--file", "x"], ["seed", "--live", "--file", "x"],
                                  ["run", "--source", "recorded", "--file", "x"]])
def test_two_sources_at_once_are_refused(edge_node, argv, capsys):
    assert main(argv) == 1
    assert "name different sources: choose one" in capsys.readouterr().err and edge_node["ran"] == []
