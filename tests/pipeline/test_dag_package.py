"""`labctl dag package`: one archive an existing Airflow installs, holding what the DAG imports
(checked on the unpacked copy alone), its pinned requirements and a README of what it needs."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tarfile

import pytest

from labctl.cli import main
from labctl.pipeline import package


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dag-package")
    assert main(["dag", "package", str(folder)]) == 0
    archive, = folder.glob("mastodon-pipeline-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "unpacked", filter="data")
    root, = (folder / "unpacked").iterdir()
    return root


def test_the_package_holds_the_dag_the_jobs_the_manifest_and_its_papers(unpacked):
    for name in ("dags/mastodon_pipeline.py", "stack/lab.env", "requirements.txt", "constraints.txt", "README.md",
                 "jobs/steps.json", "jobs/dedup.py", "jobs/aggregate.py", "jobs/wire.py", "jobs/contract.py"):
        assert (unpacked / name).is_file(), name
    assert (unpacked / "dags/mastodon_pipeline.py").read_bytes() == package.DAG_FILE.read_bytes()
    # Only what the DAG needs: no command line, no lab provisioning.
    assert not (unpacked / "labctl/cli.py").exists() and not (unpacked / "labctl/commands").exists()


def test_every_labctl_module_the_dag_imports_is_in_the_package(unpacked):
    modules, _ = package.imported_modules(unpacked / "dags/mastodon_pipeline.py", root=unpacked)
    imported = set()
    for path in [unpacked / "dags/mastodon_pipeline.py", *modules.values()]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("labctl") and not node.level:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name.startswith("labctl")}
    missing = sorted(name for name in imported if package._module_file(name, unpacked) is None)
    assert imported and missing == []


def _imports_airflow_at_its_top(path) -> bool:
    tree = ast.parse(path.read_text())
    return any((isinstance(node, ast.ImportFrom) and (node.module or "").startswith("airflow"))
               or (isinstance(node, ast.Import) and any(alias.name.startswith("airflow") for alias in node.names))
               for node in tree.body)


def test_the_dags_steps_import_from_the_unpacked_package_alone(unpacked, tmp_path):
    # What the DAG's tasks import, from the package only (Airflow itself is the cluster's, and
    # not installed here: the modules that import it at their top are left to the DagBag test).
    tasks = sorted({node.module for node in ast.walk(ast.parse((unpacked / "dags/mastodon_pipeline.py").read_text()))
                    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("labctl")
                    and not _imports_airflow_at_its_top(package._module_file(node.module, unpacked))})
    assert "labctl.pipeline.steps" in tasks
    script = "import importlib, sys\n" + "".join(f"importlib.import_module({name!r})\n" for name in tasks) + (
        "import labctl\nprint(labctl.__file__)\n")
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "LABCTL_TARGET")}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env={**environment, "PYTHONPATH": str(unpacked)},
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(unpacked / "labctl" / "__init__.py")


def test_requirements_are_pinned_from_the_lock_and_the_readme_says_what_airflow_needs(unpacked):
    pins = dict(line.split("==") for line in (unpacked / "requirements.txt").read_text().splitlines())
    assert {"happybase", "hdfs", "requests", "thriftpy2", "mastodon-py"} <= set(pins)
    lock = package._pins(package.AIRFLOW_LOCK)
    assert all(lock.get(name, package._pins(package.HOST_LOCK).get(name)) == version for name, version in pins.items())
    readme = (unpacked / "README.md").read_text()
    for needed in ("`hadoop` command", "HADOOP_CONF_DIR", "default_pool", *package.ENVIRONMENT, *package.VARIABLES, *package.CONNECTIONS):
        assert needed in readme, needed
    assert all(f"{name}=={version}" in readme for name, version in pins.items())


def test_the_readme_names_the_variables_and_connection_the_dag_really_reads():
    from labctl.lake.retention import RETENTION_VARIABLE
    from labctl.pipeline.feeds import DEFAULT_ENV, VARIABLE

    dag = package.DAG_FILE.read_text()
    assert set(package.VARIABLES) == {VARIABLE, RETENTION_VARIABLE}
    assert all(f'"{name}"' in dag for name in package.CONNECTIONS)
    assert "pool=" not in dag  # the README says every task runs in the default pool
    assert DEFAULT_ENV in package.ENVIRONMENT
    sources = "".join(path.read_text() for path in package.contents().modules.values()) + dag
    assert all(name in sources for name in package.ENVIRONMENT), [name for name in package.ENVIRONMENT if name not in sources]
