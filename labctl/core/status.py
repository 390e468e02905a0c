"""What `labctl status` reports: the lab's containers, its health checks and each layer's
figures, gathered at once (labctl/commands/status.py renders them)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from labctl.core import addresses as ab
from labctl.core import figures, lab
from labctl.core.manifest import Manifest


def gather(manifest: Manifest, runs: int = figures.RUNS) -> tuple[list[dict], list, dict[str, dict]]:
    if not ab.current(manifest).is_lab:
        # A cluster profile: no containers nor the lab's health checks (they need Docker, and
        # the Thrift check writes a table); each layer's figures from its own JMX or REST API.
        return [], [], figures.collect(manifest, runs=runs)
    containers = lab.containers(manifest)
    # The figures are asked while the health checks run: status takes the longer of the two, not their sum.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(figures.collect, manifest, runs=runs) if containers else None
        checks = lab.run_checks(manifest, lab.running_workers(manifest)) if containers else []
        layers = pending.result() if pending else figures.not_running()
    return containers, checks, layers


def as_json(containers: list[dict], checks: list, layers: dict[str, dict], target: str = ab.LAB) -> dict:
    return {"target": target, "containers": containers, "checks": [{"name": r.check.name, "ok": r.ok, "detail": r.detail} for r in checks], "figures": layers}
