"""The lab as a student meets it, before and after a change, side by side in one run.

    python benchmarks/lab.py --tree before=/tmp/lab-before --tree after=.

For each tree (a checkout of the project; its images are built under a tag of their own,
`LAB_IMAGE_TAG=bench-<label>`), in turn, on the same machine:
1. a new lab: `labctl down --volumes`, then `labctl up` timed from built images to healthy;
2. the quick start's pipeline: `labctl deploy`, `labctl seed`, `labctl run`; how long that
   first run stayed queued (behind a scheduled run, or not) and how long it took;
3. memory a minute after that DAG run (sum of the containers' usage, page cache excluded);
4. a second `labctl run` on the seeded lake: the whole run and `run_jobs`, from Airflow;
5. the idle lab after --settle seconds: memory, and CPU over three windows of --window
   seconds (per container from its cgroup; the engine's own share, which health checks
   cost, is reported apart);
6. `labctl down` then `labctl up` with the data kept (the second day of a class);
7. with --busy, the same restart while another process keeps one core busy.
Everything runs through each tree's own `labctl` (a subprocess in that tree), so the
"before" tree needs nothing of this script. It takes about 15 minutes per tree.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import docker
import requests

PROJECT = "mastolab"
DAG = "mastodon_pipeline"


def labctl(tree: Path, tag: str, *args: str, timeout: float = 3600) -> float:
    """Run the tree's own labctl; seconds it took. A failure stops the benchmark."""
    env = {**os.environ, "LAB_IMAGE_TAG": tag, "PYTHONPATH": str(tree), "COLUMNS": "120"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "labctl", *args], cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"labctl {' '.join(args)} failed in {tree} (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return seconds


class Airflow:
    def __init__(self, tree: Path, port: int = 8080):
        password = json.loads((tree / ".lab" / "secrets" / "airflow-passwords.json").read_text())["admin"]
        self.base = f"http://127.0.0.1:{port}"
        token = requests.post(f"{self.base}/auth/token", json={"username": "admin", "password": password}, timeout=30).json()["access_token"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params) -> dict:
        response = self.session.get(f"{self.base}/api/v2{path}", params=params, timeout=60)
        response.raise_for_status()
        return response.json()

    def last_run(self) -> dict:
        """The last run `labctl run` triggered: the hourly run may have started after it (a lab
        started minutes before a full hour runs that hour, as a student's lab does)."""
        runs = self.get(f"/dags/{DAG}/dagRuns", limit=20, order_by="-run_after")["dag_runs"]
        return next(run for run in runs if run["run_type"] == "manual")

    def run_figures(self, run: dict) -> dict:
        tasks = self.get(f"/dags/{DAG}/dagRuns/{run['dag_run_id']}/taskInstances")["task_instances"]
        starts = [_when(t["start_date"]) for t in tasks if t.get("start_date")]
        others = [r for r in self.get(f"/dags/{DAG}/dagRuns", limit=20, order_by="-run_after")["dag_runs"] if r["dag_run_id"] != run["dag_run_id"]]
        queued = _when(run["queued_at"])
        return {
            "run_id": run["dag_run_id"],
            "state": run["state"],
            "queued_seconds": round(min(starts) - queued, 1) if starts else None,
            "whole_run_seconds": round(_when(run["end_date"]) - _when(run["start_date"]), 1),
            "run_jobs_seconds": next((round(t["duration"], 1) for t in tasks if t["task_id"] == "run_jobs" and t.get("duration")), None),
            "scheduled_runs_before_it": sum(1 for r in others if r.get("run_type") == "scheduled" and _when(r["run_after"]) < queued),
        }


def _when(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def containers() -> list:
    return docker.from_env().containers.list(filters={"label": f"com.docker.compose.project={PROJECT}"})


def memory_gib() -> float:
    total = 0
    for container in containers():
        stats = container.stats(stream=False)["memory_stats"]
        extra = stats.get("stats", {})
        total += stats.get("usage", 0) - extra.get("cache", extra.get("inactive_file", 0))
    return round(total / 1024**3, 2)


# Where the engine puts a container's cgroup: v1 (two mount layouts), then v2 under systemd.
CGROUP_ROOTS = (Path("/sys/fs/cgroup/cpuacct/docker"), Path("/sys/fs/cgroup/cpu,cpuacct/docker"), Path("/sys/fs/cgroup/system.slice"))


def cgroup_cpu_ns(folder: Path) -> int | None:
    """CPU a container's cgroup folder has counted (v1 cpuacct.usage or v2 cpu.stat), or None."""
    if (folder / "cpuacct.usage").exists():
        return int((folder / "cpuacct.usage").read_text())
    if (folder / "cpu.stat").exists():
        usage = dict(line.split() for line in (folder / "cpu.stat").read_text().splitlines())
        return int(usage["usage_usec"]) * 1000
    return None


def _cpu_ns(container) -> int:
    for base in CGROUP_ROOTS:
        for name in (container.id, f"docker-{container.id}.scope"):
            used = cgroup_cpu_ns(base / name)
            if used is not None:
                return used
    raise SystemExit(f"no cgroup CPU counter found for {container.name}")


def engine_ticks() -> int:
    """CPU of dockerd, containerd and the shims (with their reaped children: runc, and the
    health checks' processes), where `docker exec` costs."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
            if name in ("dockerd", "containerd") or name.startswith("containerd-shim"):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += sum(int(value) for value in fields[11:15])
        except OSError:
            continue
    return total


def idle_cpu(window: float, samples: int = 3) -> dict:
    """Share of one core, per window: the containers' sum, and the engine's own."""
    found = {"containers_pct_of_a_core": [], "engine_pct_of_a_core": []}
    hz = os.sysconf("SC_CLK_TCK")
    for _ in range(samples):
        running = containers()
        before, engine_before, started = {c.id: _cpu_ns(c) for c in running}, engine_ticks(), time.monotonic()
        time.sleep(window)
        elapsed = time.monotonic() - started
        used = sum(_cpu_ns(c) - before[c.id] for c in running if c.id in before) / 1e9
        found["containers_pct_of_a_core"].append(round(100 * used / elapsed, 1))
        found["engine_pct_of_a_core"].append(round(100 * (engine_ticks() - engine_before) / hz / elapsed, 1))
    return found


def _burn(stop) -> None:
    while not stop.is_set():
        sum(range(10000))


def measure(label: str, tree: Path, settle: float, window: float, busy: bool) -> dict:
    tag = f"bench-{label}"
    figures: dict = {"tree": str(tree), "image_tag": tag, "load_at_start": round(os.getloadavg()[0], 1)}
    labctl(tree, tag, "build")
    labctl(tree, tag, "down", "--volumes")
    figures["up_new_lab_seconds"] = round(labctl(tree, tag, "up"), 1)
    labctl(tree, tag, "deploy")
    labctl(tree, tag, "seed")
    figures["first_labctl_run_seconds"] = round(labctl(tree, tag, "run"), 1)
    airflow = Airflow(tree)
    figures["first_run"] = airflow.run_figures(airflow.last_run())
    time.sleep(60)
    figures["memory_a_minute_after_a_run_gib"] = memory_gib()
    labctl(tree, tag, "run")
    figures["second_run"] = airflow.run_figures(airflow.last_run())
    time.sleep(settle)
    figures["idle_memory_gib"] = memory_gib()
    figures["idle_cpu"] = idle_cpu(window)
    labctl(tree, tag, "down")
    figures["up_after_down_seconds"] = round(labctl(tree, tag, "up"), 1)
    if busy:
        labctl(tree, tag, "down")
        stop = multiprocessing.Event()
        burner = multiprocessing.Process(target=_burn, args=(stop,), daemon=True)
        burner.start()
        try:
            figures["up_after_down_one_core_busy_seconds"] = round(labctl(tree, tag, "up"), 1)
        finally:
            stop.set()
            burner.join()
    return figures


def print_side_by_side(results: dict[str, dict]) -> None:
    rows = [
        ("labctl up, new lab (s)", lambda f: f["up_new_lab_seconds"]),
        ("first labctl run: queued before its first task (s)", lambda f: f["first_run"]["queued_seconds"]),
        ("first labctl run: scheduled runs before it", lambda f: f["first_run"]["scheduled_runs_before_it"]),
        ("first labctl run, command (s)", lambda f: f["first_labctl_run_seconds"]),
        ("memory a minute after a run (GiB)", lambda f: f["memory_a_minute_after_a_run_gib"]),
        ("DAG run on the seeded lake (s)", lambda f: f["second_run"]["whole_run_seconds"]),
        ("run_jobs on the seeded lake (s)", lambda f: f["second_run"]["run_jobs_seconds"]),
        ("idle memory (GiB)", lambda f: f["idle_memory_gib"]),
        ("idle CPU, containers (% of a core)", lambda f: " / ".join(map(str, f["idle_cpu"]["containers_pct_of_a_core"]))),
        ("idle CPU, engine (% of a core)", lambda f: " / ".join(map(str, f["idle_cpu"]["engine_pct_of_a_core"]))),
        ("labctl up after labctl down (s)", lambda f: f["up_after_down_seconds"]),
        ("the same, one core busy (s)", lambda f: f.get("up_after_down_one_core_busy_seconds", "-")),
        ("load average at start", lambda f: f["load_at_start"]),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'figure':<{width}}  " + "  ".join(f"{label:>20}" for label in results))
    for name, read in rows:
        print(f"{name:<{width}}  " + "  ".join(f"{str(read(found)):>20}" for found in results.values()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", required=True, metavar="LABEL=PATH", help="a checkout to measure (repeatable, in this order)")
    parser.add_argument("--settle", type=float, default=120, help="seconds the lab idles before idle figures")
    parser.add_argument("--window", type=float, default=20, help="seconds of each idle CPU sample")
    parser.add_argument("--busy", action="store_true", help="also time a restart with one core kept busy")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results = {}
    for item in args.tree:
        label, _, path = item.partition("=")
        results[label] = measure(label, Path(path).resolve(), args.settle, args.window, args.busy)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    print_side_by_side(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
