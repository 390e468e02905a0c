"""The pipeline as one archive an existing Airflow installs (`labctl dag package`): the DAG
file, the Streaming jobs, the modules of labctl the DAG imports (found by following its
imports with `ast`, imports inside its tasks included), the manifest they read, the
requirements pinned from the lab Airflow's lock, and a README of what the cluster provides.
"""

from __future__ import annotations

import ast
import io
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from labctl.core.manifest import MANIFEST_FILE, REPO_ROOT

DAG_FILE = REPO_ROOT / "dags" / "mastodon_pipeline.py"
JOBS_DIR = REPO_ROOT / "jobs"
# The lab's Airflow image is built from this lock: the DAG's libraries at the versions it ran with.
AIRFLOW_LOCK = REPO_ROOT / "stack" / "images" / "airflow" / "constraints.txt"
HOST_LOCK = REPO_ROOT / "requirements.lock"
PROVIDED = {"airflow"}  # the existing Airflow has it
# Modules a library puts on sys.path when imported: happybase loads its Thrift definitions.
LOADED_BY = {"Hbase_thrift": "happybase"}
OWN = "labctl"

# What the DAG reads from its workers' environment, and why; the README lists them.
ENVIRONMENT = {
    "LABCTL_TARGET": "the cluster profile (a TOML file on every worker): where HDFS, YARN, HBase's Thrift server and Airflow are, the lake's root, the HDFS user names",
    "LAB_STREAMING_JAR": "the Hadoop Streaming jar on the workers (default /opt/hadoop/hadoop-streaming.jar)",
    "LAB_JOBS_DIR": "where this package's jobs/ folder is on the workers (default /opt/lab/src/jobs)",
    "LABCTL_PSEUDONYM_KEY_FILE": "the pseudonymisation key, a file readable by the Airflow user only (never a Variable)",
    "MASTODON_PIPELINE_SCHEDULE": "the DAG's cron schedule (default @hourly; `none` for manual runs only)",
    "ALERT_WEBHOOK_URL": "where a failed task's alert is posted (optional)",
    "LAB_UPLOAD_DIR": "the folder `source=file` runs ingest from (files put there by the cluster's users)",
    "MASTODON_PIPELINE_FEEDS": "the feeds when the Variable pipeline_feeds is unset",
}
VARIABLES = {
    "pipeline_feeds": "the feeds each run collects, a JSON list (`labctl feeds` writes it in the lab)",
    "raw_retention_days": "how many days of raw data are kept, and the HBase rows' TTL",
}
CONNECTIONS = {"mastodon_default": "a live instance's access token, in the field *password* (`source=live` feeds only)"}


@dataclass(frozen=True)
class Contents:
    modules: dict[str, Path]  # labctl's modules the DAG imports, by name
    requirements: dict[str, str]  # distribution -> pinned version


def _imports(path: Path, package: str) -> set[str]:
    """Every module name `path` imports (at any depth: a task's imports too), absolute."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from package import module`
    return found


def _module_file(name: str, root: Path = REPO_ROOT) -> Path | None:
    path = root.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(start: Path, root: Path = REPO_ROOT) -> tuple[dict[str, Path], set[str]]:
    """labctl's modules `start` needs (with their parent packages), and the other top-level
    names it imports, the standard library's left out."""
    modules: dict[str, Path] = {}
    others: set[str] = set()
    pending = [(start, "")]
    while pending:
        path, package = pending.pop()
        for name in _imports(path, package):
            top = name.split(".")[0]
            if top != OWN:
                if top and top not in sys.stdlib_module_names:
                    others.add(top)
                continue
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):
                prefix = ".".join(parts[:depth])
                found = _module_file(prefix, root)
                if found is not None and prefix not in modules:
                    modules[prefix] = found
                    pending.append((found, prefix if found.name == "__init__.py" else prefix.rpartition(".")[0]))
    return modules, others


def _pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, _, version = line.partition("==")
            pins[_normal(name)] = version.split()[0].rstrip("\\").strip()
    return pins


def _normal(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def requirements(top_level: set[str]) -> dict[str, str]:
    """The distributions of the DAG's third-party imports, pinned as the lab's Airflow image has
    them (its lock), else as labctl's host lock does."""
    from importlib.metadata import packages_distributions

    from labctl.core.errors import LabError

    distributions = packages_distributions()
    pins = {**_pins(HOST_LOCK), **_pins(AIRFLOW_LOCK)}
    found: dict[str, str] = {}
    for name in sorted({LOADED_BY.get(name, name) for name in top_level} - PROVIDED):
        names = distributions.get(name)
        if not names:
            raise LabError(f"the DAG imports {name!r}, which no installed distribution provides",
                           hint="install labctl's locked requirements (scripts/bootstrap.sh) before packaging")
        distribution = _normal(names[0])
        if distribution not in pins:
            raise LabError(f"{distribution} (imported as {name!r}) is pinned in neither {AIRFLOW_LOCK.name} nor {HOST_LOCK.name}")
        found[distribution] = pins[distribution]
    return found


def contents() -> Contents:
    modules, others = imported_modules(DAG_FILE)
    return Contents(modules, requirements(others))


def readme(found: Contents, version: str) -> str:
    """What an existing Airflow needs to run the DAG of this package."""
    listing = lambda entries: "\n".join(f"- `{name}`: {why}" for name, why in entries.items())  # noqa: E731
    return f"""# The Mastodon pipeline {version}, for an existing Airflow

Unpacked, this folder holds `dags/mastodon_pipeline.py` (the DAG), `jobs/` (the Hadoop
Streaming jobs), `labctl/` (the {len(found.modules)} modules of labctl the DAG imports, nothing
else), `stack/lab.env` (the manifest they read: timeouts, the upload folder), `requirements.txt`
and `constraints.txt`. docs/cluster.md of the project says how to go from the lab to a cluster.

## Install, on the scheduler, the DAG processor and every worker

1. Copy this folder, e.g. to `/opt/mastodon-pipeline`, and put it on Airflow's `PYTHONPATH`
   (its `labctl` package is imported by the DAG's tasks).
2. Link or copy `dags/mastodon_pipeline.py` into Airflow's DAGs folder.
3. `pip install -r requirements.txt -c constraints.txt` into Airflow's environment (Airflow
   itself, Python 3.11, is the cluster's; the constraints are the lab Airflow image's lock).

## What the workers need

- The Hadoop client: the `hadoop` command on the PATH (the Streaming jobs are submitted with
  `hadoop jar` and the Streaming jar, LAB_STREAMING_JAR below) and the cluster's client
  configuration (`HADOOP_CONF_DIR`), as for any YARN job; `python3` on every NodeManager (the
  jobs' mappers and reducers are Python scripts shipped with each job).
- Network access to the NameNode's WebHDFS and every DataNode's HTTP port, to YARN's
  ResourceManager, and to HBase's Thrift server (v1, binary, buffered).
- The HDFS users the DAG acts as (`collector`, `etl`, or the names the profile's [hdfs_users]
  gives them) and the lake's zones under the profile's lake.root (`labctl --target PROFILE
  lake provision` lays them out, as the HDFS superuser).
- HBase's tables (`labctl deploy` creates them in the lab; on a cluster, an HBase admin does,
  from labctl/hbase/schema.py).

## Environment of the workers

{listing(ENVIRONMENT)}

## Airflow Variables

{listing(VARIABLES)}

## Airflow Connections

{listing(CONNECTIONS)}

## Pools

None: every task runs in Airflow's `default_pool`; the DAG allows one active run at a time
(`max_active_runs=1`).

## Requirements (pinned)

{chr(10).join(f"- {name}=={version}" for name, version in found.requirements.items())}
"""


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o644, 0  # the same bytes for the same sources
    archive.addfile(info, io.BytesIO(data))


def build(out: Path, version: str) -> Path:
    """Write the archive (a .tar.gz) at `out`, or into the folder `out`; its path."""
    found = contents()
    top = f"mastodon-pipeline-{version}"
    path = out / f"{top}.tar.gz" if out.is_dir() or not out.name.endswith(".tar.gz") else out
    path.parent.mkdir(parents=True, exist_ok=True)
    files = {f"dags/{DAG_FILE.name}": DAG_FILE, "stack/lab.env": MANIFEST_FILE}
    files |= {path_.relative_to(REPO_ROOT).as_posix(): path_ for path_ in found.modules.values()}
    files |= {f"jobs/{job.name}": job for job in sorted(JOBS_DIR.iterdir()) if job.is_file() and job.suffix in (".py", ".json", ".md")}
    constraints = AIRFLOW_LOCK.read_bytes()
    requirements_txt = "".join(f"{name}=={version_}\n" for name, version_ in found.requirements.items()).encode()
    with tarfile.open(path, "w:gz") as archive:
        for name in sorted(files):
            _add(archive, f"{top}/{name}", files[name].read_bytes())
        _add(archive, f"{top}/requirements.txt", requirements_txt)
        _add(archive, f"{top}/constraints.txt", constraints)
        _add(archive, f"{top}/README.md", readme(found, version).encode())
    return path
