"""The job's steps as data (jobs/steps.json), shared by the local runner and the YARN submission."""

from __future__ import annotations

import functools
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

JOBS_DIR = Path(__file__).resolve().parents[2] / "jobs"


@dataclass(frozen=True)
class Step:
    name: str
    description: str
    mapper: str
    combiner: str | None
    reducer: str
    key_fields: int


@dataclass(frozen=True)
class Job:
    name: str
    files: tuple[str, ...]  # what -files ships: the scripts and the modules they import
    steps: tuple[Step, ...]
    # For every script. YARN localises each -files entry in its own cache directory and
    # links it into the task's working directory; Python puts the *resolved* directory of
    # the script on sys.path, so sibling imports need PYTHONPATH=. (the working directory).
    environment: dict[str, str] = field(default_factory=dict)


def load_job(jobs_dir: Path = JOBS_DIR) -> Job:
    path = jobs_dir / "steps.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Job(
            name=data["job"],
            files=tuple(data["files"]),
            environment={str(k): str(v) for k, v in data.get("environment", {}).items()},
            steps=tuple(
                Step(
                    name=step["name"],
                    description=step.get("description", ""),
                    mapper=step["mapper"],
                    combiner=step.get("combiner"),
                    reducer=step["reducer"],
                    key_fields=int(step["key_fields"]),
                )
                for step in data["steps"]
            ),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a valid job definition ({error!r})") from error


@functools.cache
def load_script(name: str, jobs_dir: Path = JOBS_DIR) -> ModuleType:
    """A module of jobs/ (e.g. "wire"), imported without putting jobs/ on sys.path."""
    path = jobs_dir / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"labctl.jobs._scripts.{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
