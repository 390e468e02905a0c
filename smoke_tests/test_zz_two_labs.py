"""Two labs on one host (docs/classroom.md, "One server for many"): while the session's lab
runs, a second one is started with the CLI, `labctl --lab second up --profile small --workers
1`, on ports of its own, with secrets of its own, from the same images. Each answers its own
queries: the second lab's raw zone holds exactly the two small files it was given (one through
`seed --file`, one through a DAG run's `--file`), its `query totals` is the oracle's over them,
and the default lab's answer is what it was before. The second lab's Airflow refuses the
default lab's admin password (and the other way round). `labctl --lab second down`, then `up`,
gives back its raw zone, its answers and its finished runs (the second day of a class; this
replaced a restart of the session's lab, which cost 141 s with two workers). `labctl --lab
second down --volumes` then leaves no container or volume of the second lab and every
container and answer of the default lab as they were; `labctl --lab second clean` removes its
state and keeps the images.

It runs last (its name) so that the default lab has its published run from the pipeline files,
and nothing after it depends on the memory it takes for a while. Cost: about 7 minutes
(docs/testing.md). Memory: a small lab beside a standard one fits in 24 GiB several times over
(`labctl doctor`; docs/classroom.md).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests

from labctl import oracle
from labctl.core import engine as eng
from labctl.core import images, labs, runs
from labctl.core.addresses import PROJECT_LABEL, SERVICE_LABEL
from labctl.core.airflow_api import AirflowAPI
from labctl.core.edge import EDGE_USER
from labctl.core.manifest import PROJECT_NAME, REPO_ROOT, endpoint
from labctl.core.secrets import airflow_passwords
from policy import noindex
from queries import RAW_GLOB
from recording import RECORDED_INSTANCES, recorded_file
from test_jobs_on_yarn import assert_same

SECOND = "second"
PER_FILE = 60  # statuses in each small file: enough for every total to be non-zero, cheap to run


def _labctl(*argv: str, lab: str | None = None, timeout: float = 1500, **environ: str) -> subprocess.CompletedProcess:
    """labctl as a user types it, in a process of its own (`--lab` exports LAB_NAME to its
    children: this process stays the default lab's)."""
    env = {key: value for key, value in os.environ.items() if key != "LAB_NAME"}
    env.update(environ, COLUMNS="1000")  # Rich does not wrap what the assertions read
    prefix = ["--lab", lab] if lab else []
    return subprocess.run([sys.executable, "-m", "labctl", *prefix, *argv], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{' '.join(result.args[2:])} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _totals(lab: str | None = None) -> dict:
    return json.loads(_ok(_labctl("query", "totals", "--json", lab=lab)).stdout)["totals"]


def _containers(project: str) -> dict[str, tuple[str, str]]:
    """Each container of a project: its id and state (a recreated container keeps its name)."""
    return {c.name: (c.id, c.status) for c in eng.client().containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project}"})}


def _volumes(project: str) -> list[str]:
    return [volume.name for volume in eng.client().volumes.list(filters={"label": f"{PROJECT_LABEL}={project}"})]


def _small_files(folder: Path) -> list[tuple[Path, Counter]]:
    """Two files of recorded statuses, none by an author who set noindex (ingestion leaves those
    out), no status in both: each with the ids it must land."""
    entries = []
    for line in gzip.decompress(recorded_file(RECORDED_INSTANCES[0]).read_bytes()).splitlines():
        if line.strip() and not noindex(json.loads(line)):
            entries.append(line)
        if len(entries) == 2 * PER_FILE:
            break
    assert len(entries) == 2 * PER_FILE, "the recording has too few statuses for this test"
    files = []
    for number, chunk in enumerate((entries[:PER_FILE], entries[PER_FILE:]), 1):
        path = folder / f"second-lab-{number}.jsonl"
        path.write_bytes(b"\n".join(chunk) + b"\n")
        files.append((path, Counter(json.loads(line)["id"] for line in chunk)))
    return files


def _raw_zone(project: str) -> list[bytes]:
    """The raw zone's lines of the lab of `project`, read on its own edge node."""
    edge = eng.client().containers.list(filters={"label": [f"{PROJECT_LABEL}={project}", f"{SERVICE_LABEL}=airflow-scheduler"], "status": "running"})
    assert edge, f"no running edge node in {project}"
    result = edge[0].exec_run(["bash", "-c", f"HADOOP_USER_NAME=etl hdfs dfs -text '{RAW_GLOB}' 2>/dev/null"], user=EDGE_USER, demux=True)
    return [line for line in (result.output[0] or b"").split(b"\n") if line.strip()]


def _airflow_answers(base: str, login: str, password: str) -> int:
    return requests.post(f"{base}/auth/token", json={"username": login, "password": password}, timeout=30).status_code


@pytest.fixture(scope="module")
def second_lab(lab_stack):
    """The second lab, started here and removed at the end whatever happens; the default lab's
    containers and answer as they were before it."""
    named = labs.manifest_of(SECOND)
    assert not _containers(named.project) and not _volumes(named.project), \
        f"a lab {SECOND!r} is already on this host: `labctl --lab {SECOND} down --volumes` first"
    before = _containers(PROJECT_NAME), _totals()
    try:
        # Manual runs only: a scheduled run at the next hour would collect the whole recording
        # into the raw zone this test compares with its two files.
        _ok(_labctl("up", "--profile", "small", "--workers", "1", "--no-build", lab=SECOND, PIPELINE_SCHEDULE="none"))
        yield labs.manifest_of(SECOND), before
    finally:
        _labctl("down", "--volumes", lab=SECOND)
        _labctl("clean", "--yes", lab=SECOND)


def test_the_second_lab_runs_beside_the_default_one_on_its_own_ports(second_lab, lab_stack):
    named, (containers_before, _) = second_lab
    listed = {entry["name"]: entry for entry in json.loads(_ok(_labctl("labs", "--json")).stdout)}
    # The default lab may keep an exited container of an earlier file's: it runs, all the same.
    assert listed["default"]["running"] > 0 and listed[SECOND]["state"] == "running", listed
    assert listed[SECOND]["profile"] == "small" and listed[SECOND]["project"] == named.project
    ours, theirs = listed[SECOND]["ports"], listed["default"]["ports"]
    assert ours == {"AIRFLOW": named.port("AIRFLOW_UI_PORT"), "NAMENODE": named.port("NAMENODE_UI_PORT"), "HBASE_THRIFT": named.port("HBASE_THRIFT_PORT")}
    assert not set(ours.values()) & set(theirs.values())
    urls = {row["name"]: row["url"] for row in json.loads(_ok(_labctl("urls", "--json", lab=SECOND)).stdout)}
    assert urls["Airflow"] == named.url(endpoint("AIRFLOW"))
    # The same images, not copies: the second lab's containers run the default lab's image ids.
    engine = eng.client()
    wanted = {engine.images.get(named.image(spec.name)).id for spec in images.IMAGES if images.wanted(spec)}
    assert {c.image.id for c in engine.containers.list(filters={"label": f"{PROJECT_LABEL}={named.project}"})} <= wanted
    assert _containers(PROJECT_NAME) == containers_before, "starting the second lab touched the default one"
    print(json.dumps({name: {"memory_mib": entry["memory_mib"], "profile": entry["profile"]} for name, entry in listed.items()}))


def test_each_lab_answers_its_own_queries(second_lab, tmp_path):
    named, (_, totals_before) = second_lab
    (seeded, seeded_ids), (run_file, run_ids) = _small_files(tmp_path)
    _ok(_labctl("deploy", lab=SECOND))
    _ok(_labctl("seed", "--file", str(seeded), lab=SECOND))
    assert Counter(json.loads(line)["id"] for line in _raw_zone(named.project)) == seeded_ids
    _ok(_labctl("run", "--file", str(run_file), "--json", lab=SECOND))
    raw = _raw_zone(named.project)
    assert Counter(json.loads(line)["id"] for line in raw) == seeded_ids + run_ids, "the second lab's raw zone is not its two files"
    expected = oracle.compute([b"\n".join(raw) + b"\n"])["totals"]
    answered = _totals(SECOND)
    assert_same(answered, {key: expected[key] for key in answered}, "second lab: totals")
    assert answered != totals_before
    assert _totals() == totals_before, "the default lab's answer changed"


def test_no_login_of_one_lab_opens_the_other(second_lab, lab_stack):
    named, _ = second_lab
    ours, theirs = airflow_passwords(named), airflow_passwords(lab_stack)
    assert ours and set(ours) == set(theirs) and all(ours[login] != theirs[login] for login in ours)
    second_api, default_api = (f"http://{manifest.host}:{manifest.port('AIRFLOW_UI_PORT')}" for manifest in (named, lab_stack))
    assert _airflow_answers(second_api, "admin", theirs["admin"]) in (401, 403)
    assert _airflow_answers(default_api, "admin", ours["admin"]) in (401, 403)
    assert _airflow_answers(second_api, "admin", ours["admin"]) in (200, 201)


def _finished_runs(manifest) -> dict[str, str]:
    listed = AirflowAPI(manifest).get(f"/dags/{runs.DAG_ID}/dagRuns", limit=100, order_by="-run_after")["dag_runs"]
    return {run["dag_run_id"]: run["state"] for run in listed if run["state"] in runs.TERMINAL}


def test_down_then_up_keeps_the_second_labs_files_rows_and_runs(second_lab):
    """The second day of a class: `labctl down` (volumes kept), then `labctl up` with the same
    profile and workers, gives back the raw zone (HDFS), the answers (HBase) and the finished
    DAG runs (Airflow's PostgreSQL); the default lab goes on untouched."""
    named, (containers_before, totals_before) = second_lab
    raw, totals, history = Counter(_raw_zone(named.project)), _totals(SECOND), _finished_runs(named)
    assert raw and history, "nothing in the second lab to outlive a restart: the earlier test failed?"
    _ok(_labctl("down", lab=SECOND))
    assert _volumes(named.project) and not any(state == "running" for _, state in _containers(named.project).values())
    _ok(_labctl("up", "--profile", "small", "--workers", "1", "--no-build", lab=SECOND, PIPELINE_SCHEDULE="none"))
    assert Counter(_raw_zone(named.project)) == raw
    assert _totals(SECOND) == totals
    after = _finished_runs(named)
    assert {run: after.get(run) for run in history} == history
    assert _containers(PROJECT_NAME) == containers_before and _totals() == totals_before


def test_down_volumes_of_the_second_lab_leaves_the_default_one_as_it_was(second_lab, lab_stack):
    named, (containers_before, totals_before) = second_lab
    assert _volumes(named.project), "the second lab has no volume to remove"
    _ok(_labctl("down", "--volumes", lab=SECOND))
    assert _containers(named.project) == {} and _volumes(named.project) == []
    assert _containers(PROJECT_NAME) == containers_before
    assert _totals() == totals_before
    listed = {entry["name"]: entry["state"] for entry in json.loads(_ok(_labctl("labs", "--json")).stdout)}
    assert listed["default"] != "stopped" and listed[SECOND] == "stopped", listed  # its state directory is still there
    _ok(_labctl("clean", "--yes", lab=SECOND))
    assert not named.state_dir.exists()
    engine = eng.client()
    assert all(engine.images.get(lab_stack.image(spec.name)) for spec in images.IMAGES if images.wanted(spec)), "the shared images went"
    assert SECOND not in {entry["name"] for entry in json.loads(_ok(_labctl("labs", "--json")).stdout)}
