"""Where a CI run's time goes: the CPU it uses, against its wall time, by service and by file.

    git clone -q /work/main /tmp/ci
    python benchmarks/ci.py --dir /tmp/ci            # runs `bash .ci/run` there

Whether CI waits or computes, and where. While the command runs it samples, every --interval
seconds, the machine's busy time (/proc/stat), each container's CPU (its cgroup counter;
containers of every lab, a second one included, grouped by Compose service) and the Docker
engine's own (dockerd, containerd and the shims, where `docker exec` and health checks cost). Whatever is left is the host's: pytest, the unit tests, labctl.

It prints the wall time, the busy CPU-seconds and the floor they set on the wall time
(busy / cores: no reordering or parallelism of the same work can finish sooner), the
CPU-seconds per service, and, from the run's reports/smoke.xml, each smoke file's wall time
and the CPU the machine spent during it. A file's start is its test cases' times added up from
the suite's timestamp, so the split by file is close, not exact (collection is not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import docker
# benchmarks/lab.py: containers' and the engine's CPU, counted the way its idle figures are.
from lab import CGROUP_ROOTS, cgroup_cpu_ns, engine_ticks

from labctl.core.junit import file_of_case
from labctl.core.manifest import PROJECT_NAME

HZ = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    # cpu  user nice system idle iowait irq softirq steal ...
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / HZ


def container_seconds() -> dict[str, float]:
    """Container id -> CPU-seconds its cgroup has used (cgroup v1 or v2)."""
    found = {}
    for root in CGROUP_ROOTS:
        if not root.is_dir():
            continue
        for entry in root.iterdir():
            name = entry.name.removeprefix("docker-").removesuffix(".scope")
            if len(name) != 64:
                continue
            try:
                used = cgroup_cpu_ns(entry)
            except (OSError, ValueError, KeyError):
                continue  # the container went between the listing and the read
            if used is not None:
                found[name] = used / 1e9
    return found


def engine_seconds() -> float:
    return engine_ticks() / HZ


class Names:
    """Container id -> the group it is counted in: its Compose service, or what it is."""

    def __init__(self):
        self.engine = docker.from_env()
        self.known: dict[str, str] = {}

    def __call__(self, container_id: str) -> str:
        if container_id not in self.known:
            try:
                labels = self.engine.containers.get(container_id).labels
                service = labels.get("com.docker.compose.service")
                project = labels.get("com.docker.compose.project", "")
                group = f"{service} ({project})" if service and project != PROJECT_NAME else service
                self.known[container_id] = group or "other containers (builds, testcontainers)"
            except docker.errors.NotFound:
                return "other containers (builds, testcontainers)"  # asked again at the next sample
        return self.known[container_id]


def sample(state: dict, names) -> None:
    """One sample: the machine's busy time now, and each container's CPU so far. A container
    there at the first sample counts from that value; one created later, from zero."""
    now, busy = time.time(), machine_busy_seconds()
    for container_id, used in container_seconds().items():
        seen = state["containers"].setdefault(container_id, {"from": 0.0 if state["timeline"] else used})
        seen["to"] = used
        seen["group"] = names(container_id)
    state["timeline"].append((now, busy))


def per_file(smoke_xml: Path, timeline: list[tuple[float, float]]) -> list[tuple[str, float, float]]:
    """(file, wall seconds, machine CPU-seconds during it), in the order the files ran."""
    if not smoke_xml.exists() or not timeline:
        return []
    root = ET.parse(smoke_xml).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    start = datetime.fromisoformat(suite.get("timestamp")).astimezone().timestamp()
    spans: list[list] = []
    for case in suite.iter("testcase"):
        module = file_of_case(case.get("classname", ""))
        seconds = float(case.get("time", 0) or 0)
        if spans and spans[-1][0] == module:
            spans[-1][2] += seconds
        else:
            spans.append([module, start if not spans else spans[-1][1] + spans[-1][2], seconds])

    def busy_at(moment: float) -> float:
        before = [busy for when, busy in timeline if when <= moment]
        return before[-1] if before else timeline[0][1]

    return [(module, seconds, busy_at(begin + seconds) - busy_at(begin)) for module, begin, seconds in spans]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="a clean checkout to run CI in")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between samples")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("command", nargs="*", default=["bash", ".ci/run"], help="what to run in --dir (default: bash .ci/run)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    names = Names()
    state = {"containers": {}, "timeline": []}
    sample(state, names)
    engine_start, wall_start = engine_seconds(), time.monotonic()
    with open(args.dir / "ci-output.log", "wb") as output:
        process = subprocess.Popen(args.command, cwd=args.dir, stdout=output, stderr=subprocess.STDOUT)
        while process.poll() is None:
            time.sleep(args.interval)
            sample(state, names)
    sample(state, names)
    wall = time.monotonic() - wall_start
    busy = state["timeline"][-1][1] - state["timeline"][0][1]
    groups: dict[str, float] = {}
    for seen in state["containers"].values():
        groups[seen["group"]] = groups.get(seen["group"], 0.0) + seen["to"] - seen["from"]
    engine = engine_seconds() - engine_start
    in_containers = sum(groups.values())
    groups["Docker engine (dockerd, containerd, shims, exec)"] = engine
    groups["host (pytest, unit tests, labctl, builds' clients)"] = max(0.0, busy - in_containers - engine)
    files = per_file(args.dir / "reports" / "smoke.xml", state["timeline"])

    print(f"command: {' '.join(args.command)} in {args.dir} -> exit {process.returncode} (output: {args.dir / 'ci-output.log'})")
    print(f"wall time              {wall:8.0f} s  ({wall / 60:.1f} min)")
    print(f"busy CPU, all cores    {busy:8.0f} s  ({100 * busy / (wall * cores):.0f} % of {cores} cores over the run)")
    print(f"floor: busy / cores    {busy / cores:8.0f} s  ({busy / cores / 60:.1f} min): the same work cannot end sooner")
    print("\nCPU-seconds by where they were spent")
    for group, seconds in sorted(groups.items(), key=lambda item: -item[1]):
        print(f"  {seconds:8.0f}  {100 * seconds / busy:5.1f} %  {group}")
    if files:
        print("\nsmoke files in the order they ran: wall s, machine CPU-s during it, busy % of the cores")
        for module, seconds, used in files:
            print(f"  {seconds:7.0f}  {used:8.0f}  {100 * used / max(seconds * cores, 1e-9):5.0f} %  {module}")
    if args.json:
        args.json.write_text(json.dumps({"wall": wall, "busy": busy, "cores": cores, "groups": groups,
                                         "files": files, "exit": process.returncode}, indent=1))
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
