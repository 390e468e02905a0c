"""Time the metric jobs on YARN against a plain pipe: `python benchmarks/yarn.py --sizes 100000 1000000`.

For each size, on one generated input (labctl.seedgen's realistic recording):
- pipe: `mapper | LC_ALL=C sort --parallel=1 | reducer`, step after step, on the host
  (benchmarks/jobs_local.py's time_pipe), the single-process baseline of issue 4;
- yarn: the same file in HDFS (/bench/<size>/input), through labctl.pipeline.yarn.run_steps on
  the edge node, the function the DAG's run_jobs task calls: wall time per step, then each job's
  phases and counters from the JobHistory server's REST API;
- pipeline: the same file ingested into a scratch lake (/bench/<size>/lake: minimised records
  in gzip batches of 5,000, as `collect --source file` fills the raw zone), then run_steps over
  that lake's raw glob: the DAG's run_jobs task at this size, without touching /lake.
The YARN runs must give the pipe's metrics, or the script says so and exits 1.

`-D name=value` adds a setting to every job (e.g. -D mapreduce.map.speculative=false);
`--per-file` reads through TextInputFormat, one map task per gzip batch, as the lab did before
CombineTextInputFormat became its default.
Scratch data (/bench/<size> in HDFS, /tmp/labctl-bench on the edge node) is removed at the end
unless --keep; generated inputs stay in --workdir when one is given, so sizes can be re-run.

The runs load the shared lab: hold its lock, one size per call, e.g.
`flock /tmp/lab.lock .venv/bin/python benchmarks/yarn.py --sizes 1000000 --runs yarn`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

# The edge node runs this same file (`edge-*` commands): it imports only what the
# Airflow image has there, and the host-only modules inside the host functions.
EDGE_DIR = "/tmp/labctl-bench"
HDFS_ROOT = "/bench"
ADMIN = "hadoop"  # the HDFS superuser: creates and removes the scratch root
RUNS = ("pipe", "yarn", "pipeline")

# Counters reported per job: (group, name) -> label.
COUNTERS = {
    ("org.apache.hadoop.mapreduce.TaskCounter", "MAP_INPUT_RECORDS"): "map in",
    ("org.apache.hadoop.mapreduce.TaskCounter", "MAP_OUTPUT_RECORDS"): "map out",
    ("org.apache.hadoop.mapreduce.TaskCounter", "COMBINE_INPUT_RECORDS"): "combine in",
    ("org.apache.hadoop.mapreduce.TaskCounter", "COMBINE_OUTPUT_RECORDS"): "combine out",
    ("org.apache.hadoop.mapreduce.TaskCounter", "REDUCE_INPUT_RECORDS"): "reduce in",
    ("org.apache.hadoop.mapreduce.TaskCounter", "REDUCE_OUTPUT_RECORDS"): "reduce out",
    ("org.apache.hadoop.mapreduce.TaskCounter", "SPILLED_RECORDS"): "spilled",
    ("org.apache.hadoop.mapreduce.TaskCounter", "MAP_OUTPUT_BYTES"): "map out bytes",
    ("org.apache.hadoop.mapreduce.TaskCounter", "MAP_OUTPUT_MATERIALIZED_BYTES"): "shuffled bytes",
    ("org.apache.hadoop.mapreduce.TaskCounter", "GC_TIME_MILLIS"): "GC ms",
    ("org.apache.hadoop.mapreduce.TaskCounter", "CPU_MILLISECONDS"): "CPU ms",
    ("org.apache.hadoop.mapreduce.JobCounter", "MILLIS_MAPS"): "map task ms",
    ("org.apache.hadoop.mapreduce.JobCounter", "MILLIS_REDUCES"): "reduce task ms",
    ("org.apache.hadoop.mapreduce.JobCounter", "NUM_KILLED_MAPS"): "killed maps",
    ("org.apache.hadoop.mapreduce.JobCounter", "NUM_KILLED_REDUCES"): "killed reduces",
    ("Mastodon", "records_read"): "records read",
    ("Mastodon", "malformed"): "malformed",
    ("Mastodon", "boosts_read"): "boosts read",
    ("Mastodon", "statuses"): "statuses",
}


# --- on the edge node ---------------------------------------------------------------


def with_settings(build, properties: dict[str, str], per_file: bool):
    """`build` (streaming_argv) with job settings added, and one map per file if `per_file`."""

    def wrapped(*args, **kwargs):
        kwargs = {**kwargs, "properties": {**(kwargs.get("properties") or {}), **properties}}
        return build(*args, **kwargs, **({"split_bytes": None} if per_file else {}))

    return wrapped


def edge_steps(input_glob: str, output_root: str, properties: dict[str, str], per_file: bool) -> dict:
    """yarn.run_steps as the DAG calls it; seconds per step from its own log calls."""
    from labctl.pipeline import yarn

    marks: list[float] = []
    build = yarn.streaming_argv
    # run_steps takes no settings: it gets them through the argv builder it calls.
    yarn.streaming_argv = with_settings(build, properties, per_file)
    try:
        started = time.perf_counter()
        results = yarn.run_steps(input_glob, output_root, log=lambda message: marks.append(time.perf_counter()) if message.startswith("submitting step") else None)
        ended = time.perf_counter()
    finally:
        yarn.streaming_argv = build
    bounds = [*marks, ended]
    return {
        "input_bytes": yarn.input_bytes(input_glob),
        "setup_seconds": marks[0] - started,  # sizing the input, replacing the output root
        "seconds": ended - started,
        "steps": [
            {"name": r.name, "application": r.application, "seconds": bounds[n + 1] - bounds[n], "output": r.output}
            for n, r in enumerate(results)
        ],
    }


def edge_ingest(path: str, root: str) -> dict:
    """The file into a lake rooted at `root`, exactly as the DAG's collect(source=file) does."""
    from dataclasses import asdict

    from labctl.collect.files import ingest_files
    from labctl.lake.fs import open_filesystem
    from labctl.lake.layout import LakeLayout
    from labctl.pipeline import cluster, steps

    layout = LakeLayout(root=root)
    started = time.perf_counter()
    results = ingest_files([Path(path)], open_filesystem(cluster.NAMENODE, user=steps.COLLECTOR), layout)
    return {
        "seconds": time.perf_counter() - started,
        "raw_glob": layout.raw_glob(),
        "files": [{k: v for k, v in asdict(r).items() if k != "batches"} | {"batches": len(r.batches)} for r in results],
    }


def edge_metrics(output: str) -> dict:
    from labctl.jobs.output import metrics_from_output
    from labctl.pipeline import yarn

    return metrics_from_output(yarn.read_output(output))


# --- on the host --------------------------------------------------------------------


def _exec(argv: list[str], *, user: str | None = None, environment: dict[str, str] | None = None) -> str:
    from labctl.core import edge, engine

    return engine.exec_in(edge.EDGE_SERVICE, argv, user=user or edge.EDGE_USER, environment=environment, check=True)[1]


def _hdfs(*args: str) -> str:
    return _exec(["hdfs", "dfs", *args], environment={"HADOOP_USER_NAME": ADMIN})


def _stream_to_edge(source: Path, target: str) -> None:
    """Copy a large file to the edge node in chunks (engine.put_file holds it all in memory)."""
    import socket

    from labctl.core import edge, engine

    client = engine.client(timeout=600)
    container = engine.service_container(client, edge.EDGE_SERVICE)
    exec_id = client.api.exec_create(container.id, ["sh", "-c", 'cat > "$1"', "sh", target], stdin=True, user=edge.EDGE_USER)["Id"]
    sock = client.api.exec_start(exec_id, socket=True)
    raw = sock._sock if hasattr(sock, "_sock") else sock
    with source.open("rb") as data:
        while chunk := data.read(4 << 20):
            raw.sendall(chunk)
    raw.shutdown(socket.SHUT_WR)
    while raw.recv(65536):
        pass
    raw.close()
    code = client.api.exec_inspect(exec_id)["ExitCode"]
    if code != 0:
        raise RuntimeError(f"copying {source} to the edge node's {target} failed (exit {code})")


def _on_edge(script: str, command: str, *args: str) -> dict:
    output = _exec(["python", script, command, *args])
    return json.loads(output.strip().splitlines()[-1])


def _history(job_id: str, timeout: float = 120) -> dict:
    """The job, its tasks and counters from the JobHistory server (it lists a job a few seconds
    after the client returns)."""
    import requests

    from labctl.core.manifest import Manifest

    manifest = Manifest()
    base = f"http://{manifest.host}:{manifest.port('JOBHISTORY_UI_PORT')}/ws/v1/history/mapreduce/jobs/{job_id}"
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.get(base, timeout=10)
        if answer.ok:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"JobHistory does not know {job_id} after {timeout:.0f} s: {answer.status_code} {answer.text[:200]}")
        time.sleep(2)
    job = answer.json()["job"]
    tasks = requests.get(f"{base}/tasks", timeout=10).json()["tasks"]["task"]
    groups = requests.get(f"{base}/counters", timeout=10).json()["jobCounters"].get("counterGroup", [])
    return {"job": job, "tasks": tasks, "counters": {(g["counterGroupName"], c["name"]): c["totalCounterValue"] for g in groups for c in g["counter"]}}


def job_figures(history: dict) -> dict:
    """Where a job's time went, in seconds, and the counters of COUNTERS (0 when absent:
    the jobs only report the counters they incremented)."""
    job, tasks = history["job"], history["tasks"]
    maps = [t for t in tasks if t["type"] == "MAP"]
    reduces = [t for t in tasks if t["type"] == "REDUCE"]
    last_map = max(t["finishTime"] for t in maps)
    return {
        "job": job["id"],
        "maps": job["mapsTotal"],
        "reduces": job["reducesTotal"],
        "am_start_s": (job["startTime"] - job["submitTime"]) / 1000,
        "first_task_s": (min(t["startTime"] for t in tasks) - job["startTime"]) / 1000,
        "map_phase_s": (last_map - min(t["startTime"] for t in maps)) / 1000,
        "after_maps_s": (job["finishTime"] - last_map) / 1000,
        "job_s": (job["finishTime"] - job["submitTime"]) / 1000,
        "avg_map_s": job["avgMapTime"] / 1000,
        "avg_shuffle_s": job["avgShuffleTime"] / 1000,
        "avg_reduce_s": job["avgReduceTime"] / 1000,
        "reduce_tasks_s": [round((t["finishTime"] - t["startTime"]) / 1000, 1) for t in reduces],
        "counters": {label: history["counters"].get(key, 0) for key, label in COUNTERS.items()},
    }


def yarn_run(script: str, input_glob: str, output_root: str, properties: dict[str, str], per_file: bool) -> dict:
    run = _on_edge(script, "edge-steps", input_glob, output_root, json.dumps(properties), json.dumps(per_file))
    for step in run["steps"]:
        step.update(job_figures(_history(step["application"].replace("application_", "job_"))))
    run["metrics"] = _on_edge(script, "edge-metrics", run["steps"][-1]["output"])
    run["properties"], run["per_file"] = properties, per_file
    return run


def pipe_baseline(source: Path, workdir: Path, size: int, run: bool, staged: bool) -> tuple[dict, dict] | None:
    """The pipe's seconds and metrics: timed now, or as kept in `workdir` by an earlier call."""
    from jobs_local import time_pipe
    from labctl.jobs.definition import load_job
    from labctl.jobs.output import metrics_from_output

    pipe_dir = workdir / f"pipe-{size}"
    kept = pipe_dir / "seconds.json"
    if run:
        pipe_dir.mkdir(exist_ok=True)
        kept.write_text(json.dumps(time_pipe(load_job().steps, source, pipe_dir, staged=staged)))
    elif not kept.exists():
        return None
    with (pipe_dir / f"pipe-{load_job().steps[-1].name}").open("rb") as rows:
        # Through JSON, as the YARN metrics come back from the edge node.
        return json.loads(kept.read_text()), json.loads(json.dumps(metrics_from_output(rows)))


def measure(size: int, runs: list[str], variants: list[tuple[str, dict[str, str], bool]], workdir: Path, seed: int, keep: bool, staged: bool) -> dict:
    """`variants`: (label, settings, one map per file?), each a YARN run on the same input."""
    from jobs_local import write_input

    source = workdir / f"statuses-{size}-seed{seed}.jsonl"
    if not source.exists():  # same size and seed, same bytes: a kept input is reused
        write_input(source, size, seed, "seedgen")
    result: dict = {"statuses": size, "input_bytes": source.stat().st_size, "cpus": os.cpu_count(),
                    "load_before": os.getloadavg()[0], "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    baseline = pipe_baseline(source, workdir, size, "pipe" in runs, staged)
    if baseline:
        result["pipe"], result["pipe_metrics"] = baseline
        result["pipe_timed_now"] = "pipe" in runs
    if not {"yarn", "pipeline"} & set(runs):
        return result
    scratch, script = f"{HDFS_ROOT}/{size}", f"{EDGE_DIR}/bench_yarn.py"
    edge_input = f"{EDGE_DIR}/statuses-{size}.jsonl"
    from labctl.core import edge, engine

    _exec(["mkdir", "-p", EDGE_DIR])  # as the edge user, who writes the copies into it
    engine.put_file(edge.EDGE_SERVICE, script, Path(__file__).read_bytes(), owner=edge.EDGE_UID)
    try:
        started = time.perf_counter()
        _stream_to_edge(source, edge_input)
        result["copy_to_edge_s"] = time.perf_counter() - started
        _hdfs("-mkdir", "-p", scratch)
        # etl (the jobs) and collector (the ingest) both write under the scratch root.
        _hdfs("-chmod", "777", scratch)
        inputs = {}
        if "yarn" in runs:
            started = time.perf_counter()
            etl = {"HADOOP_USER_NAME": "etl"}
            _exec(["hdfs", "dfs", "-mkdir", "-p", f"{scratch}/input"], environment=etl)
            _exec(["hdfs", "dfs", "-put", "-f", edge_input, f"{scratch}/input/statuses.jsonl"], environment=etl)
            result["put_s"] = time.perf_counter() - started
            inputs["yarn"] = f"{scratch}/input"
        if "pipeline" in runs:
            result["ingest"] = _on_edge(script, "edge-ingest", edge_input, f"{scratch}/lake")
            inputs["pipeline"] = result["ingest"]["raw_glob"]
        for run, glob in inputs.items():
            result[run] = {label: yarn_run(script, glob, f"{scratch}/out-{run}-{number}", settings, per_file)
                           for number, (label, settings, per_file) in enumerate(variants)}
    finally:
        if not keep:
            _hdfs("-rm", "-r", "-f", "-skipTrash", scratch)
            _hdfs("-rmdir", "--ignore-fail-on-non-empty", HDFS_ROOT)  # another size may still be there
            _exec(["rm", "-rf", EDGE_DIR])
    return result


def checks(result: dict) -> dict[str, bool]:
    """Every YARN run gives the pipe's metrics (same input). The pipeline runs read every record
    the ingest wrote (minimised, noindex authors left out: other metrics than the pipe's) and
    agree with one another, whatever the settings."""
    found = {}
    for label, run in result.get("yarn", {}).items():
        if "pipe_metrics" in result:
            found[f"yarn ({label}): metrics equal to the pipe's"] = run["metrics"] == result["pipe_metrics"]
    pipeline = list(result.get("pipeline", {}).items())
    for label, run in pipeline:
        written = sum(f["written"] for f in result["ingest"]["files"])  # unparsed lines included
        found[f"pipeline ({label}): read every ingested record"] = run["steps"][0]["counters"]["records read"] == written
        found[f"pipeline ({label}): metrics equal to ({pipeline[0][0]})"] = run["metrics"] == pipeline[0][1]["metrics"]
    return found


PHASES = {
    "seconds": "client wall time (client JVM, -files upload, job)",
    "am_start_s": "AM start (submit to start)",
    "first_task_s": "start to first task",
    "map_phase_s": "map phase (first map start to last map end)",
    "after_maps_s": "after the last map (shuffle tail, reduce, commit)",
    "job_s": "whole job (submit to finish)",
    "avg_map_s": "average map task",
    "avg_shuffle_s": "average shuffle",
    "avg_reduce_s": "average reduce",
    "reduce_tasks_s": "reduce tasks",
}


def print_result(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console, n = Console(), result["statuses"]
    console.print(
        f"[bold]{n:,} statuses[/bold], {result['input_bytes'] / 1e6:,.0f} MB, {result['cpus']} CPUs, "
        f"load average {result['load_before']:.1f} at {result['started']}"
        + ("" if result.get("pipe_timed_now", True) else "; the pipe's times kept from an earlier call")
    )
    for run in ("yarn", "pipeline"):
        for label, found in result.get(run, {}).items():
            console.print(f"  {run} ({label}): {' '.join(f'{k}={v}' for k, v in found['properties'].items()) or 'no settings'}"
                          f"{' + one map per file' if found.get('per_file') else ''}", highlight=False)
    pipe_total = result.get("pipe", {}).get("pipe total")
    table = Table(title="wall time (s)", caption="target: yarn ≤ 1.5 × pipe at 1M statuses")
    for column in ("run", "settings", "phase", "seconds", "statuses/s", "× pipe"):
        table.add_column(column, justify="left" if column in ("run", "settings", "phase") else "right")
    for phase, seconds in result.get("pipe", {}).items():
        table.add_row("pipe", "", phase, f"{seconds:.1f}", f"{n / seconds:,.0f}" if phase == "pipe total" else "", "")
    if "ingest" in result:
        table.add_row("pipeline", "", "ingest (collect --source file)", f"{result['ingest']['seconds']:.1f}", "", "")
    for run in ("yarn", "pipeline"):
        for label, found in result.get(run, {}).items():
            table.add_row(run, label, "setup (size input, clear output)", f"{found['setup_seconds']:.1f}", "", "")
            for step in found["steps"]:
                table.add_row(run, label, f"{step['name']} ({step['maps']} maps, {step['reduces']} reduces)", f"{step['seconds']:.1f}", "", "")
            ratio = f"{found['seconds'] / pipe_total:.2f}" if pipe_total and run == "yarn" else ""
            table.add_row(run, label, "[bold]total[/bold]", f"{found['seconds']:.1f}", f"{n / found['seconds']:,.0f}", ratio)
    console.print(table)
    for run in ("yarn", "pipeline"):
        for label, found in result.get(run, {}).items():
            jobs = Table(title=f"{run} ({label}): each job, from the JobHistory server (seconds, then counters)")
            jobs.add_column("figure")
            for step in found["steps"]:
                jobs.add_column(f"{step['name']} ({step['job']})", justify="right")
            for name, title in PHASES.items():
                jobs.add_row(title, *(str(round(step[name], 1)) if isinstance(step[name], float) else str(step[name]) for step in found["steps"]))
            for title in COUNTERS.values():
                jobs.add_row(title, *(f"{step['counters'][title]:,}" for step in found["steps"]))
            console.print(jobs)
    for check, passed in result["checks"].items():
        console.print(f"{check}: {passed}")


def dag_run(statuses: int, workdir: Path, seed: int) -> dict:
    """The whole DAG on `statuses` generated statuses, which its collect task ingests (source=file),
    with each task's duration from Airflow's task instances. The statuses stay in the raw zone."""
    import subprocess

    from labctl.core.airflow_api import AirflowAPI
    from labctl.core.manifest import Manifest
    from labctl.core.runs import DAG_ID, TASK_ORDER
    from jobs_local import write_input

    source = workdir / f"statuses-{statuses}-seed{seed}.jsonl"
    if not source.exists():
        write_input(source, statuses, seed, "seedgen")
    started = time.perf_counter()
    process = subprocess.run([sys.executable, "-m", "labctl", "run", "--source", "file", "--file", str(source)], text=True, capture_output=True)
    wall = time.perf_counter() - started
    api = AirflowAPI(Manifest())
    run = api.get(f"/dags/{DAG_ID}/dagRuns", limit=1, order_by="-run_after")["dag_runs"][0]
    instances = {t["task_id"]: t for t in api.get(f"/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances")["task_instances"]}
    return {
        "statuses": statuses, "input_bytes": source.stat().st_size, "run_id": run["dag_run_id"], "state": run["state"],
        "labctl_run_exit": process.returncode, "labctl_run_seconds": wall, "load_before": os.getloadavg()[0],
        "tasks": {task: {"state": instances[task].get("state"), "seconds": instances[task].get("duration"), "tries": instances[task].get("try_number")}
                  for task in TASK_ORDER if task in instances},
        "run_seconds": (_when(run["end_date"]) - _when(run["start_date"])) if run.get("end_date") and run.get("start_date") else None,
        "labctl_run_tail": process.stdout[-1500:] + process.stderr[-1500:],
    }


def _when(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def print_dag_run(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"DAG run {result['run_id']} on {result['statuses']:,} generated statuses ({result['input_bytes'] / 1e6:,.0f} MB): {result['state']}")
    table.add_column("task")
    table.add_column("state")
    table.add_column("seconds", justify="right")
    for task, found in result["tasks"].items():
        table.add_row(task, str(found["state"]), f"{found['seconds']:.1f}" if found["seconds"] is not None else "")
    table.add_row("[bold]whole run[/bold]", result["state"], f"{result['run_seconds']:.1f}" if result["run_seconds"] else "")
    Console().print(table)


def _variant(text: str) -> tuple[str, dict[str, str], bool]:
    """"label: name=value name=value [+per-file]" -> (label, settings, per_file)."""
    label, colon, rest = text.partition(":")
    if not colon or not label.strip():
        raise argparse.ArgumentTypeError(f"expected 'label: name=value ...', got {text!r}")
    words = rest.split()
    return label.strip(), dict(_define(word) for word in words if word != "+per-file"), "+per-file" in words


def _define(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"expected name=value, got {text!r}")
    return name, value


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("edge-"):
        command, args = argv[0], argv[1:]
        if command == "edge-steps":
            answer = edge_steps(args[0], args[1], json.loads(args[2]), json.loads(args[3]))
        elif command == "edge-ingest":
            answer = edge_ingest(args[0], args[1])
        else:
            answer = edge_metrics(args[0])
        print(json.dumps(answer))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", help="statuses per input, e.g. 100000 1000000")
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=["pipe", "yarn"], help="what to time (default: pipe yarn)")
    parser.add_argument("-D", dest="defines", type=_define, action="append", default=[], metavar="NAME=VALUE", help="a job setting for every run")
    parser.add_argument("--per-file", action="store_true", help="every run reads one map per file (TextInputFormat), not the default combined splits")
    parser.add_argument("--variant", dest="variants", type=_variant, action="append", default=[], metavar="'LABEL: NAME=VALUE ... [+per-file]'",
                        help="one more YARN run on the same input, with these settings added (repeatable)")
    parser.add_argument("--stages", action="store_true", help="also time the pipe's map, sort and reduce one by one")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workdir", type=Path, help="keep generated inputs and the pipe's outputs and times here for later calls")
    parser.add_argument("--keep", action="store_true", help="leave the scratch data in HDFS and on the edge node")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--show", type=Path, metavar="FILE", help="print the tables of figures saved by --json, and stop")
    parser.add_argument("--dag", type=int, metavar="N", help="instead: one whole DAG run (labctl run --source file) on N generated statuses")
    parser.add_argument("--own-lab", action="store_true", help="with --dag: this lab is yours; its raw zone keeps the N statuses")
    args = parser.parse_args(argv)
    if args.show:
        for result in json.loads(args.show.read_text()):
            if "tasks" in result:
                print_dag_run(result)
            else:
                print_result(result)
        return 0
    if args.dag is not None:
        if not args.own_lab:
            # The DAG reads the whole raw zone and its collect task writes there: nothing can be undone.
            parser.error("--dag leaves its statuses in the lab's raw zone for good: run it on a lab of its own, with --own-lab")
        with tempfile.TemporaryDirectory(prefix="labctl-bench-dag-") as scratch:
            result = dag_run(args.dag, args.workdir or Path(scratch), args.seed)
        if args.json:
            print(json.dumps([result], indent=2))
        else:
            print_dag_run(result)
        return 0 if result["state"] == "success" else 1
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes: give one or more sizes of at least 1")
    base = dict(args.defines)
    variants = [("-D as given" if base else "lab defaults", base, args.per_file)]
    variants += [(label, {**base, **settings}, args.per_file or per_file) for label, settings, per_file in args.variants]
    from labctl.core.errors import CommandError

    try:
        with tempfile.TemporaryDirectory(prefix="labctl-bench-yarn-") as scratch:
            workdir = args.workdir or Path(scratch)
            workdir.mkdir(parents=True, exist_ok=True)
            results = [measure(size, args.runs, variants, workdir, args.seed, args.keep, args.stages) for size in args.sizes]
    except CommandError as error:  # the edge node's own words say what went wrong
        print(f"{error.message}\n{error.output[-4000:]}", file=sys.stderr)
        return 2
    for result in results:
        result["checks"] = checks(result)
        for run in ("yarn", "pipeline"):
            for found in result.get(run, {}).values():
                found.pop("metrics")
        result.pop("pipe_metrics", None)
        if not args.json:
            print_result(result)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if all(all(result["checks"].values()) for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
