"""Measure the lab itself: `python benchmarks/stack.py [--cold-build] [--skip-up] [--profile NAME] [--after-run]`.

--profile restarts the lab in that resource profile (remembered, as `labctl up --profile`
does); --after-run then triggers a DAG run (`labctl run`) and reads the memory again a minute
after it: the two figures docs/benchmarks.md and stack/lab.env keep per profile.

Memory is read per container from its cgroup (docker stats' usage minus page
cache), which, unlike an RSS sum, counts shared pages once.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from labctl.core import engine as eng
from labctl.core import lab
from labctl.core.images import IMAGES, default_ca_bundle, wanted
from labctl.core.manifest import PROJECT_NAME, Manifest


def image_sizes(manifest: Manifest) -> dict[str, float]:
    engine = eng.client()
    # The optional images (the notebook's) count only when built.
    present = {spec.name: manifest.image(spec.name) for spec in IMAGES if wanted(spec) or engine.images.list(name=manifest.image(spec.name))}
    return {name: engine.images.get(image).attrs["Size"] / 1024**2 for name, image in present.items()}


def idle_memory(settle_seconds: float) -> dict[str, float]:
    time.sleep(settle_seconds)
    engine = eng.client()
    usage = {}
    for container in engine.containers.list(filters={"label": f"com.docker.compose.project={PROJECT_NAME}"}):
        stats = container.stats(stream=False)["memory_stats"]
        cache = stats.get("stats", {}).get("cache", stats.get("stats", {}).get("inactive_file", 0))
        usage[container.name] = (stats.get("usage", 0) - cache) / 1024**2
    return usage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cold-build", action="store_true", help="rebuild every image without cache and time it")
    parser.add_argument("--skip-up", action="store_true", help="measure the running lab only")
    parser.add_argument("--settle", type=float, default=60, help="seconds to let the lab idle before reading memory")
    parser.add_argument("--profile", help="restart the lab in this resource profile first (standard, small)")
    parser.add_argument("--after-run", action="store_true", help="then run the DAG once and read the memory again a minute after it")
    args = parser.parse_args()
    if args.profile and args.skip_up:
        parser.error("--profile restarts the lab: it cannot go with --skip-up")
    manifest = Manifest()
    figures: dict[str, object] = {}
    if args.cold_build:
        start = time.monotonic()
        lab.build(manifest, only=None, ca_bundle=default_ca_bundle(), no_cache=True)
        figures["cold_build_seconds"] = round(time.monotonic() - start, 1)
    if not args.skip_up:
        lab.down(manifest, volumes=False)
        start = time.monotonic()
        lab.up(manifest, workers=1, timeout=900, build_missing=False, profile=args.profile)
        figures["up_seconds_built_images_to_all_healthy"] = round(time.monotonic() - start, 1)
    figures["profile"] = Manifest().profile
    figures["image_size_mib"] = {name: round(size) for name, size in image_sizes(manifest).items()}
    memory = idle_memory(args.settle)
    figures["idle_memory_mib"] = {name: round(value) for name, value in sorted(memory.items())}
    figures["idle_memory_total_gib"] = round(sum(memory.values()) / 1024, 2)
    figures["idle_memory_total_mib"] = round(sum(memory.values()))
    if args.after_run:
        subprocess.run([sys.executable, "-m", "labctl", "run"], check=True)
        memory = idle_memory(60)
        figures["after_run_memory_mib"] = {name: round(value) for name, value in sorted(memory.items())}
        figures["after_run_memory_total_mib"] = round(sum(memory.values()))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
