"""Several labs on one host (`labctl --lab NAME`, labctl/core/labs.py): the default lab exactly as
before; a named lab's own project, state directory, secrets and ports, chosen free in contiguous
blocks, remembered and stable; `labctl labs` from the engine's labels and the state directories."""

from __future__ import annotations

import json
import os
import socket

import pytest
from dotenv import dotenv_values
from typer.testing import CliRunner

from labctl.cli import app
from labctl.commands import stack as stack_commands
from labctl.core import addresses as ab
from labctl.core import clean as cl
from labctl.core import compose as dc
from labctl.core import doctor, lab, labs
from labctl.core.errors import LabError
from labctl.core.manifest import ENDPOINTS, MANIFEST_FILE, Manifest
from labctl.core.secrets import airflow_passwords, ensure_secrets

runner = CliRunner()
FILE = {key: value or "" for key, value in dotenv_values(MANIFEST_FILE).items()}
PORT_KEYS = [endpoint.port_key for endpoint in ENDPOINTS]
RANGES = {key: f"{key}_LAST" for key in PORT_KEYS if f"{key}_LAST" in FILE}


@pytest.fixture
def state(tmp_path, monkeypatch):
    """A state directory of its own, no lab chosen by the environment; LAB_NAME, which
    `--lab` exports for the command's children, is put back after the test."""
    monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("LAB_NAME", "")
    monkeypatch.delenv(ab.TARGET_ENV, raising=False)
    return tmp_path / "state"


def _always_free(host: str, port: int) -> bool:
    return True


def _published(values) -> set[int]:
    """Every port a lab publishes, ranges spelled out: written here from the manifest's keys."""
    ports = set()
    for key in PORT_KEYS:
        first = int(values[key])
        ports.update(range(first, int(values[RANGES[key]]) + 1) if key in RANGES else {first})
    return ports


def _named(state_dir, name: str, **environ: str) -> Manifest:
    return Manifest(environ={"LAB_STATE_DIR": str(state_dir), "LAB_NAME": name, **environ})


# --- the default lab: as it always was ---------------------------------------------------


def test_the_default_lab_is_the_manifests_project_ports_and_state_directory(state):
    for environ in ({}, {"LAB_NAME": ""}, {"LAB_NAME": "default"}):
        manifest = Manifest(environ={"LAB_STATE_DIR": str(state), **environ})
        assert manifest.lab is None and manifest.project == FILE["LAB_PROJECT"] and manifest.state_dir == state
        assert {key: manifest[key] for key in PORT_KEYS} == {key: FILE[key] for key in PORT_KEYS}
        assert manifest.image("jvm") == f"{FILE['LAB_IMAGE_NAMESPACE']}/jvm:{FILE['LAB_IMAGE_TAG']}"
        assert dc.base_argv(manifest)[1:3] == ["--project-name", FILE["LAB_PROJECT"]]
    # A port exported for the default lab still moves it, as before.
    assert Manifest(environ={"AIRFLOW_UI_PORT": "18080"}).port("AIRFLOW_UI_PORT") == 18080


def test_commands_without_lab_leave_the_environment_and_state_alone(state, monkeypatch):
    seen = []
    monkeypatch.setattr(lab, "down", lambda manifest, volumes: seen.append((manifest.project, manifest.state_dir, os.environ.get("LAB_NAME"))))
    monkeypatch.delenv("LAB_NAME")
    assert runner.invoke(app, ["down"]).exit_code == 0
    assert seen == [(FILE["LAB_PROJECT"], state, None)] and "LAB_NAME" not in os.environ
    assert not (state / "labs").exists()


# --- choosing ports ------------------------------------------------------------------------


def test_ports_are_the_lowest_free_ones_and_ranges_take_a_contiguous_free_block():
    busy = {30001, 30004}
    blocks = [labs.Block("A"), labs.Block("B", 4, "B_LAST"), labs.Block("C"), labs.Block("D", 2, "D_LAST")]
    chosen = labs.choose_ports(blocks, 30000, 30100, taken={30010}, is_free=lambda host, port: port not in busy)
    # A takes 30000; B needs four in a row: 30001 and 30004 are busy, so 30005-30008; C fills
    # the hole at 30002; D needs two: 30003 is alone before 30004, 30009 before 30010 (taken).
    assert chosen == {"A": "30000", "B": "30005", "B_LAST": "30008", "C": "30002", "D": "30011", "D_LAST": "30012"}


def test_no_room_in_the_range_is_a_clear_error():
    with pytest.raises(LabError, match="no 4 free ports in a row for B"):
        labs.choose_ports([labs.Block("B", 4, "B_LAST")], 30000, 30004, taken={30002}, is_free=_always_free)


def test_a_port_bound_on_the_host_is_not_chosen(state):
    with socket.socket() as holder:
        holder.bind((ab.LOOPBACK, 0))
        holder.listen()
        held = holder.getsockname()[1]
        manifest = _named(state, "held", LAB_PORT_RANGE=f"{held}-{held + 200}")
        chosen = labs.remember_ports(manifest)
    # The range starts at the held port, so the first choice is after it: not necessarily
    # held + 1, which any other connection on the machine may hold at that moment.
    assert held not in _published(chosen) and held < int(chosen[PORT_KEYS[0]]) <= held + 200


def test_a_named_lab_gets_every_port_in_blocks_remembered_and_stable(state):
    manifest = _named(state, "second")
    assert manifest.remembered_ports == {}
    chosen = labs.remember_ports(manifest, is_free=_always_free)
    assert set(chosen) == set(PORT_KEYS) | set(RANGES.values())
    first, last = (int(bound) for bound in FILE["LAB_PORT_RANGE"].split("-"))
    for key, last_key in RANGES.items():
        assert int(chosen[last_key]) - int(chosen[key]) == int(FILE[last_key]) - int(FILE[key])
    ports = _published(chosen)
    assert len(ports) == sum(int(FILE[RANGES[k]]) - int(FILE[k]) + 1 if k in RANGES else 1 for k in PORT_KEYS)
    assert all(first <= port <= last for port in ports)
    assert dotenv_values(state / "labs" / "second" / "ports.env") == chosen
    # Remembered: later manifests have them, a later choice (even with every port busy now,
    # the lab's own containers holding them) keeps them.
    again = _named(state, "second")
    assert {key: again[key] for key in chosen} == chosen
    assert labs.remember_ports(again, is_free=lambda host, port: False) == chosen
    # They win over a port exported in the environment, which is the default lab's.
    assert _named(state, "second", AIRFLOW_UI_PORT="18080")["AIRFLOW_UI_PORT"] == chosen["AIRFLOW_UI_PORT"]


def test_a_second_lab_gets_other_ports_than_the_first_and_the_default_lab(state):
    first = labs.remember_ports(_named(state, "one"), is_free=_always_free)
    stray = state / "labs" / "Not A Lab"  # a folder someone made by hand is no lab
    stray.mkdir()
    (stray / "ports.env").write_text("AIRFLOW_UI_PORT=1\n")
    second = labs.remember_ports(_named(state, "two"), is_free=_always_free)
    default = Manifest(environ={"LAB_STATE_DIR": str(state)})
    assert not _published(first) & _published(second)
    assert not (_published(first) | _published(second)) & _published(default.values)
    # A range that holds the default lab's ports skips them too, running or not.
    wide = labs.remember_ports(_named(state, "three", LAB_PORT_RANGE=f"{min(_published(default.values))}-65000"), is_free=_always_free)
    assert not _published(wide) & (_published(default.values) | _published(first) | _published(second))
    # Ports the engine publishes (an engine without its userland proxy binds no socket).
    busy = set(range(int(FILE["LAB_PORT_RANGE"].split("-")[0]), 64000))
    fourth = labs.remember_ports(_named(state, "four", LAB_PORT_RANGE="20000-65000"), busy=busy, is_free=_always_free)
    assert min(_published(fourth)) >= 64000


def test_the_engines_published_ports_are_read_from_every_container():
    class Container:
        def __init__(self, bindings):
            self.attrs = {"HostConfig": {"PortBindings": bindings}}

    class Engine:
        class containers:  # noqa: N801 - the SDK's attribute
            @staticmethod
            def list(all=False):
                assert all, "stopped containers keep their ports"
                return [Container({"9864/tcp": [{"HostIp": "127.0.0.1", "HostPort": "20005-20008"}]}), Container({"8080/tcp": [{"HostPort": "20004"}]}), Container(None)]

    assert labs.engine_ports(Engine()) == {20004, 20005, 20006, 20007, 20008}


# --- a named lab's manifest, addresses and secrets -----------------------------------------


def test_a_named_lab_has_its_own_project_state_secrets_and_addresses_and_the_same_images(state):
    default = Manifest(environ={"LAB_STATE_DIR": str(state)})
    labs.remember_ports(_named(state, "second"), is_free=_always_free)
    named = _named(state, "second")
    assert named.lab == "second" and named.project == f"{FILE['LAB_PROJECT']}-second"
    assert named.state_dir == state / "labs" / "second" and named.profile_file.parent == named.state_dir
    assert named.image("airflow") == default.image("airflow")
    book = ab.current(named, environ={})
    assert book.airflow == f"http://{ab.LOOPBACK}:{named['AIRFLOW_UI_PORT']}" != ab.current(default, environ={}).airflow
    assert book.thrift == (ab.LOOPBACK, int(named["HBASE_THRIFT_PORT"]))
    assert ab.project_label(named) == f"com.docker.compose.project={FILE['LAB_PROJECT']}-second"
    env = dc.compose_env(named)
    assert env["LAB_STATE_DIR"] == str(named.state_dir) and env["AIRFLOW_UI_PORT"] == named["AIRFLOW_UI_PORT"]
    assert dc.base_argv(named)[1:3] == ["--project-name", named.project]
    # Inside the lab's network nothing of this matters: the services' names and ports.
    assert ab.current(named, environ={ab.TARGET_ENV: ab.LAB_NETWORK}).airflow == f"http://{FILE['AIRFLOW_ADDRESS']}"
    # Its own secrets: no password of one lab opens the other.
    ensure_secrets(default)
    ensure_secrets(named)
    assert (named.state_dir / "secrets").is_dir() and (state / "secrets").is_dir()
    ours, theirs = airflow_passwords(named), airflow_passwords(default)
    assert set(ours) == set(theirs) and all(ours[login] != theirs[login] for login in ours)
    # And its own profile.
    named.remember_profile("small")
    assert _named(state, "second").profile == "small" and Manifest(environ={"LAB_STATE_DIR": str(state)}).profile == "standard"


@pytest.mark.parametrize("name", ["Second", "-x", "a b", "x" * 33, "lab/../x"])
def test_a_name_compose_would_refuse_is_refused(state, name):
    with pytest.raises(LabError, match="cannot name a lab"):
        _named(state, name).values
    result = runner.invoke(app, ["--lab", name, "urls"])
    assert result.exit_code == 1 and "cannot name a lab" in result.output
    assert not (state / "labs").exists()


# --- the command line ----------------------------------------------------------------------


def test_a_lab_that_was_never_created_is_refused_rather_than_the_default_lab_used(state):
    result = runner.invoke(app, ["--lab", "ghost", "urls"])
    assert result.exit_code == 1 and "no lab 'ghost'" in result.output and "labctl --lab ghost up" in result.output
    # Asking how to create it creates nothing either.
    assert runner.invoke(app, ["--lab", "ghost", "up", "--help"]).exit_code == 0
    assert not (state / "labs" / "ghost").exists()


def test_up_with_lab_chooses_ports_once_and_compose_sees_the_named_lab(state, monkeypatch):
    seen: list[dict[str, str]] = []
    monkeypatch.setattr(labs, "port_is_free", _always_free)
    monkeypatch.setattr(labs, "engine_ports", lambda engine=None: set())
    monkeypatch.setattr(lab.eng, "client", lambda **_: object())
    monkeypatch.setattr(lab, "running_optional", lambda: set())
    monkeypatch.setattr(lab, "running_datanodes", lambda: 0)
    monkeypatch.setattr(lab.images, "missing_images", lambda engine, manifest, optional=(): [])
    monkeypatch.setattr(lab, "wait_healthy", lambda manifest, workers, timeout: [])
    monkeypatch.setattr(dc, "compose", lambda manifest, *args, overrides=None, **_: seen.append({**dc.compose_env(manifest, overrides), "argv": dc.base_argv(manifest)}))
    result = runner.invoke(app, ["--lab", "second", "up", "--profile", "small", "--workers", "1"])
    assert result.exit_code == 0, result.output
    ports = dotenv_values(state / "labs" / "second" / "ports.env")
    up = seen[-1]
    assert up["argv"][1:3] == ["--project-name", f"{FILE['LAB_PROJECT']}-second"]
    assert up["LAB_STATE_DIR"] == str(state / "labs" / "second") and up["NAMENODE_HEAP"] == FILE["PROFILE_SMALL_NAMENODE_HEAP"]
    assert {key: up[key] for key in ports} == ports and up["AIRFLOW_UI_PORT"] != FILE["AIRFLOW_UI_PORT"]
    assert (state / "labs" / "second" / "secrets" / "airflow-passwords.json").is_file() and not (state / "secrets").exists()
    assert f"http://{ab.LOOPBACK}:{ports['AIRFLOW_UI_PORT']}" in result.output and "lab second" in result.output
    # Later commands of the same lab agree; the default lab is untouched by all this.
    assert runner.invoke(app, ["--lab", "second", "down", "--volumes"]).exit_code == 0
    assert seen[-1]["argv"][1:3] == ["--project-name", f"{FILE['LAB_PROJECT']}-second"] and seen[-1]["AIRFLOW_UI_PORT"] == ports["AIRFLOW_UI_PORT"]
    assert dotenv_values(state / "labs" / "second" / "ports.env") == ports
    os.environ["LAB_NAME"] = ""
    assert runner.invoke(app, ["down"]).exit_code == 0
    assert seen[-1]["argv"][1:3] == ["--project-name", FILE["LAB_PROJECT"]] and seen[-1]["AIRFLOW_UI_PORT"] == FILE["AIRFLOW_UI_PORT"]


def test_smoke_refuses_a_named_lab_rather_than_testing_the_default_one(state, monkeypatch):
    labs.remember_ports(_named(state, "second"), is_free=_always_free)
    ran = []
    monkeypatch.setattr("subprocess.run", lambda *args, **kwargs: ran.append(args))
    result = runner.invoke(app, ["--lab", "second", "smoke"])
    assert result.exit_code == 1 and "default lab only" in result.output and "'second'" in result.output
    assert ran == []


def test_urls_shows_the_chosen_labs_ports(state):
    chosen = labs.remember_ports(_named(state, "second"), is_free=_always_free)
    result = runner.invoke(app, ["--lab", "second", "urls", "--json"])
    assert result.exit_code == 0, result.output
    urls = {row["name"]: row["url"] for row in json.loads(result.stdout)}
    assert urls["Airflow"] == f"http://{ab.LOOPBACK}:{chosen['AIRFLOW_UI_PORT']}/"
    assert urls["HBase Thrift (happybase)"] == f"{ab.LOOPBACK}:{chosen['HBASE_THRIFT_PORT']}"


def test_inside_a_labs_network_lab_changes_nothing(state):
    environ = {ab.TARGET_ENV: ab.LAB_NETWORK}
    labs.select("second", "lake", environ)
    assert environ == {ab.TARGET_ENV: ab.LAB_NETWORK}


# --- `labctl labs` -------------------------------------------------------------------------


class _Container:
    def __init__(self, project, service, status="running", ports=None, usage_mib=0, cache_mib=0):
        self.name = f"{project}-{service}-1"
        self.labels = {"com.docker.compose.project": project, "com.docker.compose.service": service}
        self.status, self.ports = status, ports or {}
        self._stats = {"memory_stats": {"usage": usage_mib * 2**20, "stats": {"inactive_file": cache_mib * 2**20}}}
        self.sampled = 0

    def stats(self, stream=True, one_shot=None):
        assert stream is False and one_shot is True, "one sample, not a stream"
        self.sampled += 1
        return self._stats


class _Engine:
    def __init__(self, containers):
        self._containers = containers
        engine = self

        class Containers:
            def list(self, all=False, filters=None):
                assert all and filters == {"label": "com.docker.compose.project"}
                return engine._containers

        self.containers = Containers()


def _bind(port: int) -> list[dict[str, str]]:
    return [{"HostIp": ab.LOOPBACK, "HostPort": str(port)}]


def test_labs_lists_each_lab_with_its_state_ports_memory_and_profile(state, monkeypatch):
    project = FILE["LAB_PROJECT"]
    ensure_secrets(Manifest(environ={"LAB_STATE_DIR": str(state)}))
    second = labs.remember_ports(_named(state, "second"), is_free=_always_free)
    _named(state, "second").remember_profile("small")
    labs.remember_ports(_named(state, "third"), is_free=_always_free)  # created, then `down`: no container
    # The ports the services listen on inside the network, which compose publishes.
    airflow, namenode, thrift = (int(FILE[f"{key}_ADDRESS"].rsplit(":", 1)[1]) for key in ("AIRFLOW", "NAMENODE", "HBASE_THRIFT"))
    containers = [
        _Container(project, "airflow-apiserver", ports={f"{airflow}/tcp": _bind(int(FILE["AIRFLOW_UI_PORT"]))}, usage_mib=700, cache_mib=100),
        _Container(project, "namenode", ports={f"{namenode}/tcp": _bind(int(FILE["NAMENODE_UI_PORT"]))}, usage_mib=500),
        _Container(project, "hbase-thrift", ports={f"{thrift}/tcp": _bind(int(FILE["HBASE_THRIFT_PORT"]))}, usage_mib=300, cache_mib=50),
        _Container(f"{project}-second", "airflow-apiserver", ports={f"{airflow}/tcp": _bind(int(second["AIRFLOW_UI_PORT"]))}, usage_mib=400),
        _Container(f"{project}-second", "namenode", status="exited"),
        _Container("someone-else", "web", usage_mib=9000),
        _Container(f"{project}-Not_A_Lab", "web", usage_mib=9000),
    ]
    found = labs.gather(_Engine(containers))
    assert [info.name for info in found] == ["default", "second", "third"]
    default, named, stopped = found
    assert (default.state, default.running, default.containers, default.profile) == ("running", 3, 3, "standard")
    assert default.ports == {"AIRFLOW": int(FILE["AIRFLOW_UI_PORT"]), "NAMENODE": int(FILE["NAMENODE_UI_PORT"]), "HBASE_THRIFT": int(FILE["HBASE_THRIFT_PORT"])}
    assert default.memory_mib == pytest.approx(700 - 100 + 500 + 300 - 50)
    assert (named.state, named.running, named.containers, named.profile, named.memory_mib) == ("partial", 1, 2, "small", pytest.approx(400))
    assert named.ports == {"AIRFLOW": int(second["AIRFLOW_UI_PORT"]), "NAMENODE": int(second["NAMENODE_UI_PORT"]), "HBASE_THRIFT": int(second["HBASE_THRIFT_PORT"])}
    assert (stopped.state, stopped.containers, stopped.memory_mib) == ("stopped", 0, None)
    assert containers[4].sampled == 0 and containers[5].sampled == 0, "only the labs' running containers are sampled"

    monkeypatch.setattr(stack_commands.eng, "client", lambda **_: _Engine(containers))
    result = runner.invoke(app, ["labs"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]] for line in result.output.splitlines() if line.count("│") > 2}
    assert rows["default"] == ["running", "3/3", FILE["AIRFLOW_UI_PORT"], FILE["NAMENODE_UI_PORT"], FILE["HBASE_THRIFT_PORT"], "1.3 GiB", "standard"]
    assert rows["second"] == ["partial", "1/2", second["AIRFLOW_UI_PORT"], second["NAMENODE_UI_PORT"], second["HBASE_THRIFT_PORT"], "0.4 GiB", "small"]
    assert rows["third"][:2] == ["stopped", "0/0"] and rows["third"][-2:] == ["-", "standard"]
    as_json = json.loads(runner.invoke(app, ["--lab", "second", "labs", "--json"]).stdout)
    assert [(lab_["name"], lab_["state"], lab_["memory_mib"]) for lab_ in as_json] == [("default", "running", 1350), ("second", "partial", 400), ("third", "stopped", None)]


def test_no_lab_at_all_says_how_to_start_one(state, monkeypatch):
    monkeypatch.setattr(stack_commands.eng, "client", lambda **_: _Engine([_Container("someone-else", "web")]))
    result = runner.invoke(app, ["labs"])
    assert result.exit_code == 0 and "No lab on this host" in result.output


# --- cleaning one lab; doctor's ports ----------------------------------------------------


class _CleanEngine:
    """Volumes of two labs and the shared images."""

    def __init__(self, project):
        self.removed = []
        engine = self
        volumes = {f"{project}_namenode-data": project, f"{project}-second_namenode-data": f"{project}-second"}

        class Volume:
            def __init__(self, name):
                self.name = name

            def remove(self, force=False):
                engine.removed.append(("volume", self.name))

        class Volumes:
            def list(self, filters):
                wanted = filters["label"].split("=", 1)[1]
                return [Volume(name) for name, owner in volumes.items() if owner == wanted and ("volume", name) not in engine.removed]

            def get(self, name):
                return Volume(name)

        class Image:
            tags = [f"{FILE['LAB_IMAGE_NAMESPACE']}/jvm:{FILE['LAB_IMAGE_TAG']}"]

        class Images:
            def list(self):
                return [Image()]

            def remove(self, tag, force=False, noprune=False):
                engine.removed.append(("image", tag))

        self.volumes, self.images = Volumes(), Images()


def test_cleaning_a_named_lab_removes_its_volumes_and_state_and_nothing_shared(state, tmp_path):
    project = FILE["LAB_PROJECT"]
    labs.remember_ports(_named(state, "second"), is_free=_always_free)
    named = _named(state, "second")
    ensure_secrets(named)
    ensure_secrets(Manifest(environ={"LAB_STATE_DIR": str(state)}))
    engine = _CleanEngine(project)
    link = tmp_path / "plugin"
    link.symlink_to(cl.our_compose_binary())
    items = cl.plan(named, engine, link=link)
    assert [(item.kind, item.name) for item in items] == [("volume", f"{project}-second_namenode-data"), ("state", str(named.state_dir))]
    downs = []
    cl.execute(named, engine, items, compose=lambda manifest, *args, **_: downs.append((manifest.project, args)))
    assert downs == [(f"{project}-second", (*dc.all_profiles(), "down", "--remove-orphans", "--volumes"))]
    assert not named.state_dir.exists() and (state / "secrets").is_dir() and link.is_symlink()
    # The default lab's clean keeps the images while another lab is on the host.
    default = Manifest(environ={"LAB_STATE_DIR": str(state)})
    assert {item.kind for item in cl.plan(default, engine, link=link, shared=False)} == {"volume", "secrets"}
    assert "image" in {item.kind for item in cl.plan(default, engine, link=link)}


def test_doctor_checks_the_chosen_labs_ports_ranges_included(state, monkeypatch):
    checked = []
    monkeypatch.setattr(doctor, "_lab_running", lambda manifest: False)
    monkeypatch.setattr(doctor, "port_is_free", lambda host, port: checked.append(port) or True)
    fresh = doctor._ports(_named(state, "new"))
    assert fresh.ok and "first `labctl --lab new up`" in fresh.detail and checked == []
    chosen = labs.remember_ports(_named(state, "second"), is_free=_always_free)
    finding = doctor._ports(_named(state, "second"))
    assert finding.ok and sorted(checked) == sorted(_published(chosen)) and "the lab second" in finding.detail
    checked.clear()
    monkeypatch.setattr(doctor, "port_is_free", lambda host, port: port != int(chosen["DATANODE_UI_PORT_LAST"]))
    busy = doctor._ports(_named(state, "second"))
    assert not busy.ok and f"{chosen['DATANODE_UI_PORT_LAST']} (HDFS DataNode)" in busy.detail and "ports.env" in busy.fix
    default = doctor._ports(Manifest(environ={"LAB_STATE_DIR": str(state)}))
    assert f"{len(_published(FILE))} published ports" in default.detail
