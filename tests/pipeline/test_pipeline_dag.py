"""The DAG as Airflow parses it: one collect task mapped over the feeds, run_jobs waiting for all
of them and running on what landed, a watcher failing the run when a feed failed for good.

Airflow is not in the host's lock: the DagBag is filled inside the lab's own Airflow image (a
small container, `docker run --rm`, no network, the repository's dags/ and labctl/ mounted
read-only: no lab needed), or in process where Airflow is installed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from labctl.core.runs import TASK_ORDER

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
# The pipeline's file, not the whole folder: the smoke tests that run meanwhile (scripts/test.sh)
# deploy DAGs of their own there for a while (the course's exercise 5, the guide's exercise 6).
PIPELINE_FILE = DAGS / "mastodon_pipeline.py"


def assert_pipeline_shape(facts: dict) -> None:
    assert facts["import_errors"] == {}
    dag = facts["dags"]["mastodon_pipeline"]
    tasks = dag["tasks"]
    assert tasks["collect"]["type"] == "DecoratedMappedOperator"
    assert tasks["collect"]["upstream"] == ["feeds"]
    assert tasks["run_jobs"]["upstream"] == ["collect"]
    assert tasks["run_jobs"]["trigger_rule"] == "all_done_min_one_success"
    assert tasks["feeds_failed"]["trigger_rule"] == "one_failed" and tasks["feeds_failed"]["upstream"] == ["collect"]
    assert not dag["catchup"]
    # A new lab's first `labctl run` never queues behind a scheduled run, whatever the minute
    # the lab started (Airflow's run_immediately=False ran the past tick within 6 minutes of it).
    waits = dag["first_scheduled_run_minutes_after_start"]
    assert all(wait is not None and wait > 0 for wait in waits.values()), waits
    assert set(tasks) == set(TASK_ORDER), "labctl run lists the tasks of TASK_ORDER"


def test_the_dag_maps_collect_over_the_feeds_and_processes_what_landed(tmp_path, monkeypatch):
    pytest.importorskip("airflow", reason="Airflow is not installed here: the image test below parses the DAG")
    from dag_facts import facts

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    assert_pipeline_shape(facts(str(PIPELINE_FILE)))


def _airflow_image():
    docker = pytest.importorskip("docker")
    from labctl.core.manifest import Manifest

    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.skip(f"no Docker engine answers ({type(exc).__name__})")
    image = Manifest().image("airflow")
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        pytest.skip(f"the image {image} is not built (`labctl build airflow`)")
    return client, image


@pytest.mark.docker
def test_the_dag_parses_in_the_labs_airflow_image():
    client, image = _airflow_image()
    mounts = {
        str(DAGS): {"bind": "/opt/airflow/dags", "mode": "ro"},
        str(ROOT / "labctl"): {"bind": "/opt/lab/src/labctl", "mode": "ro"},
        str(ROOT / "stack" / "lab.env"): {"bind": "/opt/lab/src/stack/lab.env", "mode": "ro"},
        str(Path(__file__).with_name("dag_facts.py")): {"bind": "/opt/lab/dag_facts.py", "mode": "ro"},
    }
    output = client.containers.run(
        image, ["/opt/lab/dag_facts.py", f"/opt/airflow/dags/{PIPELINE_FILE.name}"], entrypoint="python", remove=True, network_mode="none",
        user=f"{os.getuid()}" if os.getuid() else None, volumes=mounts,
        environment={"AIRFLOW_HOME": "/tmp/airflow", "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "LABCTL_TARGET": "lab-network"},
    ).decode()
    line = next((line for line in output.splitlines() if line.startswith("FACTS ")), None)
    assert line is not None, output[-3000:]
    assert_pipeline_shape(json.loads(line.removeprefix("FACTS ")))
