"""`labctl --target FILE`: a cluster profile's mistakes are each named; commands of the lab
itself refuse it; lake commands take its root and user names; status reads only the layers'
own endpoints with its Airflow login; WebHDFS's DataNode redirects go where [datanodes] says."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from airflowstand import AirflowState, airflow_stand

from labctl.cli import app, main
from labctl.core import addresses as ab
from labctl.core import clients, engine
from labctl.core import lab as lab_module
from labctl.core.manifest import REPO_ROOT
from labctl.core.profile import read_profile

EXAMPLE = REPO_ROOT / "stack" / "cluster-profile.example.toml"
# What a cluster profile runs (docs/cluster.md's table); every other command is the lab's only.
PROFILE_COMMANDS = {
    "status", "seed", "run", "collect", "ingest", "record", "lake", "lake provision", "lake prune", "query", "report",
    "token store", "token check", "jobs run-local", "data generate", "course list", "course start", "course check",
    "dag package", "version", "completion",
}  # fmt: skip


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_profile(folder: Path, *, airflow: str | None = None, extra: str = "", login: tuple[str, str] = ("ana", "pw-of-ana"),
                  mode: int = 0o600) -> Path:
    closed = f"http://127.0.0.1:{closed_port()}"
    credentials = folder / "airflow-login.toml"
    credentials.write_text(f'username = "{login[0]}"\npassword = "{login[1]}"\n')
    credentials.chmod(mode)
    profile = folder / "cluster.toml"
    profile.write_text(f"""
[endpoints]
namenode = "{closed}"
resourcemanager = "{closed}"
hbase_master = "{closed}"
hbase_thrift = "127.0.0.1:{closed_port()}"
airflow = "{airflow or closed}"

[credentials]
file = "airflow-login.toml"

[lake]
root = "/lake-of-the-cluster"

[hdfs_users]
collector = "svc-collect"

[timeouts]
status = 2
rest = 2
{extra}""")
    return profile


@pytest.fixture(autouse=True)
def no_docker(monkeypatch):
    """A profile's commands never ask the Docker engine."""
    def refuse(*args, **kwargs):
        raise AssertionError("the Docker engine was asked")

    monkeypatch.setattr(engine, "client", refuse)
    monkeypatch.setattr(lab_module, "containers", refuse)
    monkeypatch.delenv(ab.TARGET_ENV, raising=False)


def test_a_profile_with_mistakes_is_refused_naming_each_key(tmp_path, capsys):
    profile = tmp_path / "bad.toml"
    profile.write_text("""
[endpoints]
namenode = "nn.example.org:9870"
hbase_thrift = "thrift.example.org"
airflow = "https://airflow.example.org"
colour = "blue"

[lake]
root = "lake"

[timeouts]
rest = "soon"

[datanodes]
"dn1" = "http://dn1.example.org:9864"
"dn2.internal:9864" = "dn2.example.org:9864"

[elsewhere]
x = 1
""")
    assert main(["--target", str(profile), "status"]) == 1
    said = capsys.readouterr().err
    for key in ("[elsewhere]", "endpoints.colour", "endpoints.namenode", "endpoints.resourcemanager", "endpoints.hbase_thrift",
                "credentials.file", "lake.root", "timeouts", "datanodes.'dn1'", "datanodes.'dn2.internal:9864'"):
        assert key in said, f"{key} not named in:\n{said}"
    assert "endpoints.airflow" not in said  # what is right is not reported


def test_the_example_profile_parses_and_names_what_docs_cluster_describes():
    fields = read_profile(EXAMPLE, {name: 1.0 for name in ("webhdfs", "thrift", "thrift_load", "rest", "probe", "status")})
    assert fields["namenode"].startswith("http") and fields["thrift"][1] > 0 and fields["airflow"].startswith("http")
    assert fields["lake_root"].startswith("/") and fields["datanodes"] and fields["hdfs_users"]
    assert fields["credentials_file"].name.endswith(".toml")


def _commands(group, prefix: str = ""):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group (Typer's own click, not necessarily `click`)
            if command.callback is not None and not command.commands.get(name):
                yield f"{prefix}{name}", command
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def test_every_command_either_runs_on_a_profile_or_is_declared_the_labs_only():
    import typer

    commands = dict(_commands(typer.main.get_command(app)))
    lab_only = {name for name, command in commands.items() if getattr(command.callback, "lab_only", None)}
    assert lab_only >= {"up", "down", "build", "shell", "exec", "logs", "clean", "deploy", "alerts", "smoke",
                        "bundle export", "bundle import", "replay show", "replay set", "gdpr forget"}
    assert {name for name, command in commands.items() if getattr(command.callback, "lab_only", None) is None} - {
        # groups whose subcommands decide
        "lake", "token", "jobs", "data", "course", "dag", "gdpr", "replay", "feeds", "bundle"} <= PROFILE_COMMANDS
    # Each marked command names itself as the user types it.
    assert all(commands[name].callback.lab_only == name for name in lab_only)


@pytest.mark.parametrize(("argv", "command"), [
    (["up"], "up"), (["down"], "down"), (["exec", "--", "hdfs", "dfs", "-ls", "/"], "exec"), (["shell"], "shell"),
    (["build"], "build"), (["deploy"], "deploy"), (["bundle", "export", "x.tar"], "bundle export"),
    (["replay", "show"], "replay show"), (["gdpr", "forget", "someone@example.org"], "gdpr forget"), (["feeds", "list"], "feeds list"),
])
def test_a_lab_only_command_refuses_a_profile_naming_itself_and_the_target(tmp_path, capsys, argv, command):
    profile = write_profile(tmp_path)
    assert main(["--target", str(profile), *argv]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"`labctl {command}` works on the lab only" in said
    assert str(profile) in said


def test_the_environment_variable_names_the_profile_too(tmp_path, capsys, monkeypatch):
    profile = write_profile(tmp_path)
    monkeypatch.setenv(ab.TARGET_ENV, str(profile))
    assert main(["up"]) == 1
    assert "works on the lab only" in capsys.readouterr().err


def test_the_callers_target_is_put_back_after_a_command(tmp_path):
    profile = write_profile(tmp_path)
    main(["--target", str(profile), "version"])
    assert ab.TARGET_ENV not in __import__("os").environ


def test_ingest_on_a_profile_writes_under_its_lake_root(tmp_path, capsys):
    profile = write_profile(tmp_path)
    statuses = tmp_path / "statuses.jsonl"
    statuses.write_text(json.dumps({"id": "1", "created_at": "2026-01-02T03:04:05Z", "account": {"id": "9", "acct": "a", "url": "https://x.example/@a"}}) + "\n")
    lake = tmp_path / "lake"
    assert main(["--target", str(profile), "ingest", str(statuses), "--lake", str(lake), "--json"]) == 0
    landed = list(lake.rglob("*.jsonl.gz"))
    assert landed and all("lake-of-the-cluster/raw" in path.as_posix() for path in landed), landed
    assert b'"id": "1"' in gzip.decompress(landed[0].read_bytes()).replace(b'"id":"1"', b'"id": "1"')


def test_status_on_a_profile_reads_the_layers_with_the_profiles_login_and_says_the_target(tmp_path, capsys):
    state = AirflowState()
    with airflow_stand(state) as port:
        profile = write_profile(tmp_path, airflow=f"http://127.0.0.1:{port}")
        code = main(["--target", str(profile), "status", "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert code == 1  # HDFS, YARN and HBase do not answer here
    assert shown["target"] == str(profile) and shown["containers"] == [] and shown["checks"] == []
    assert shown["figures"]["airflow"]["dag_id"] == "mastodon_pipeline"
    assert all("unavailable" in shown["figures"][layer] for layer in ("hdfs", "yarn", "hbase"))
    logins = [body for method, path, body in state.calls if path == "/auth/token"]
    assert logins == [{"username": "ana", "password": "pw-of-ana"}]


def test_status_on_a_profile_prints_the_target_instead_of_containers(tmp_path, capsys):
    profile = write_profile(tmp_path)
    assert main(["--target", str(profile), "status"]) == 1
    said = " ".join(capsys.readouterr().out.split())
    assert f"Target: the cluster profile {profile}" in said and "Containers" not in said


def test_a_credentials_file_others_may_read_is_refused(tmp_path, capsys):
    profile = write_profile(tmp_path, mode=0o644)
    state = AirflowState()
    with airflow_stand(state) as port:
        profile = write_profile(tmp_path, airflow=f"http://127.0.0.1:{port}", mode=0o644)
        assert main(["--target", str(profile), "run", "--timeout", "1"]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert "readable by others" in said and "chmod 600" in said
    assert not [call for call in state.calls if call[1] == "/auth/token"]


# --- WebHDFS's redirects to DataNodes ---------------------------------------------------------


@pytest.fixture
def webhdfs_stand():
    """A NameNode that redirects every read and write to a DataNode it names by a host name
    that does not resolve, as NamenodeWebHdfsMethods.redirectURI does (the DataNode's registered
    host name and HTTP port), and that DataNode, which keeps what is written."""
    stored: dict[str, bytes] = {}

    class DataNode(BaseHTTPRequestHandler):
        def do_PUT(self):
            stored[self.path.split("?")[0]] = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            data = stored.get(self.path.split("?")[0], b"")
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    class NameNode(BaseHTTPRequestHandler):
        def _redirect(self):
            self.send_response(307)
            self.send_header("Location", f"http://dn-7f3a9c.invalid:9864{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_PUT = do_GET = _redirect

        def log_message(self, *args):
            pass

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), handler) for handler in (NameNode, DataNode)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{server.server_address[1]}" for server in servers], stored
    for server in servers:
        server.shutdown()
        server.server_close()


def test_webhdfs_writes_and_reads_reach_the_datanode_the_profile_maps(tmp_path, webhdfs_stand):
    (namenode, datanode), stored = webhdfs_stand
    profile = write_profile(tmp_path, extra=f'\n[datanodes]\n"dn-7f3a9c.invalid:9864" = "{datanode}"\n')
    book = ab.current(target=str(profile))
    assert book.datanodes == {"dn-7f3a9c.invalid:9864": datanode}
    client = clients.webhdfs("svc-collect", url=namenode, addresses=book)
    client.write("/lake-of-the-cluster/raw/x.jsonl", data=b"one line\n")
    assert stored == {"/webhdfs/v1/lake-of-the-cluster/raw/x.jsonl": b"one line\n"}
    with client.read("/lake-of-the-cluster/raw/x.jsonl") as reader:
        assert reader.read() == b"one line\n"


def test_without_the_mapping_the_redirect_goes_to_the_name_the_namenode_gives(tmp_path, webhdfs_stand):
    import requests

    (namenode, _), stored = webhdfs_stand
    book = ab.current(target=str(write_profile(tmp_path)))
    with pytest.raises(requests.ConnectionError, match="dn-7f3a9c.invalid"):
        clients.webhdfs("svc-collect", url=namenode, addresses=book).write("/x", data=b"y")
    assert stored == {}


def test_a_command_forwarded_to_the_edge_node_leaves_target_lab_on_the_host(monkeypatch, tmp_path):
    from labctl.core import edge

    ran = []
    monkeypatch.setattr(edge, "run_labctl", lambda args, *, environment=None, check=False: (ran.append(list(args)), (0, ""))[1])
    monkeypatch.setattr(edge, "remove_on_edge", lambda path: None)
    # --keep-days given: the host asks no Airflow for the lab's retention before forwarding.
    assert main(["--target", "lab", "lake", "--keep-days", "7", "--json"]) == 0
    assert ran == [["lake", "--keep-days", "7", "--json"]]
    assert edge.without_target(["--target=lab", "status"]) == ["status"]
