"""What a Python process costs to start in the lab's images: `python benchmarks/python_start.py [--tag A --tag B] [--runs N]`.

Every Airflow task, `airflow` command and Airflow daemon is a Python process that imports
Airflow first; the notebook's kernel imports pandas and matplotlib. This starts a container of
each image (one per tag, the current tag by default), runs each command there --runs times and
prints the median CPU (user + system) and wall time of one run, the tags side by side, then each
image's size. No lab is needed: the commands import, they do not connect.
"""

from __future__ import annotations

import argparse
import json
import statistics

from labctl.core import engine as eng
from labctl.core.manifest import Manifest

# (image, label, argv): what the lab's processes import first.
COMMANDS = (
    ("airflow", "import airflow.sdk (every Airflow daemon and CLI call)", ["python", "-c", "import airflow.sdk"]),
    ("airflow", "airflow version (the CLI)", ["airflow", "version"]),
    ("airflow", "import mastodon, happybase, hdfs (the tasks' clients)", ["python", "-c", "import mastodon, happybase, hdfs"]),
    ("notebook", "import pandas, matplotlib.pyplot (the notebook's kernel)", ["python", "-c", "import pandas, matplotlib.pyplot"]),
)

# Runs in the container: each command `runs` times, its children's CPU from getrusage.
PROBE = """
import json, resource, subprocess, sys, time
argv, runs = json.loads(sys.argv[1]), int(sys.argv[2])
out = []
for _ in range(runs):
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, time.monotonic() - start))
print(json.dumps(out))
"""


def measure(image: str, argv: list[str], runs: int) -> tuple[float, float]:
    output = eng.client().containers.run(
        image, ["python3", "-c", PROBE, json.dumps(argv), str(runs)], entrypoint=[], remove=True, network_mode="none",
        # As in the lab's containers: nothing compiled at run time is kept, so each run pays for
        # whatever bytecode the image lacks.
        environment={"PYTHONDONTWRITEBYTECODE": "1"},
    )
    samples = json.loads(output.decode().strip().splitlines()[-1])
    return statistics.median(cpu for cpu, _ in samples), statistics.median(wall for _, wall in samples)


def image(name: str, tag: str) -> str:
    return Manifest(environ={"LAB_IMAGE_TAG": tag}).image(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tag", action="append", help="an image tag to measure (repeat to compare; default: the current LAB_IMAGE_TAG)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tags = args.tag or [Manifest()["LAB_IMAGE_TAG"]]
    engine = eng.client()
    figures: dict[str, dict] = {}
    print(f"median of {args.runs} runs each: CPU s (user + system) / wall s")
    print(f"{'command':<58}" + "".join(f"{tag:>18}" for tag in tags))
    for name, label, argv in COMMANDS:
        cells = []
        for tag in tags:
            if not engine.images.list(name=image(name, tag)):
                cells.append(f"{'(not built)':>18}")
                continue
            cpu, wall = measure(image(name, tag), argv, args.runs)
            figures.setdefault(label, {})[tag] = {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2)}
            cells.append(f"{cpu:>9.2f} / {wall:>5.2f}")
        print(f"{label:<58}" + "".join(cells))
    for name in sorted({name for name, _, _ in COMMANDS}):
        sizes = []
        for tag in tags:
            found = engine.images.list(name=image(name, tag))
            sizes.append(f"{found[0].attrs['Size'] / 1024**2:>15.0f} MB" if found else f"{'-':>18}")
            if found:
                figures.setdefault(f"{name} image size MB", {})[tag] = round(found[0].attrs["Size"] / 1024**2)
        print(f"{name + ' image size':<58}" + "".join(sizes))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
