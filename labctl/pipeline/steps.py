"""The DAG's steps. Each is idempotent and keyed by the run id (derived from the
run's data interval): re-running a run replaces its curated files and HBase rows.
Each run computes its metrics over everything in the raw zone within retention,
so a run that collected nothing new publishes the same answers as the one before.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from labctl.collect.collector import CollectOptions, collect_timeline
from labctl.collect.files import ingest_files
from labctl.collect.timelines import Timeline
from labctl.collect.token import Secret
from labctl.governance.pseudonym import Pseudonymiser
from labctl.jobs.output import malformed_records, metrics_from_output
from labctl.lake.catalog import describe_lake
from labctl.lake.fs import atomic_write, open_filesystem
from labctl.lake.layout import LakeLayout
from labctl.lake.retention import apply_retention
from labctl.pipeline import cluster, yarn

LAKE = cluster.NAMENODE
COLLECTOR = "collector"
PSEUDONYM_KEY_FILE = Path("/run/lab-secrets/pseudonym-key")
METRICS_STEP_NAME = "aggregate"


def run_id_for(data_interval_end: datetime) -> str:
    """A run is named after the end of its data interval: clearing it re-uses the name."""
    return "run-" + data_interval_end.strftime("%Y%m%dT%H%M%SZ")


def collect(*, source: str, instance: str, timeline: str, limit: int | None, include_noindex: bool, files: list[str], token: str | None) -> dict:
    fs, layout = open_filesystem(LAKE, user=COLLECTOR), LakeLayout()
    if source == "file":
        results = ingest_files([Path(path) for path in files], fs, layout, include_noindex=include_noindex)
        return {"source": "file", "files": [asdict(result) for result in results]}
    url = cluster.REPLAY_URL if source == "recorded" else instance
    options = CollectOptions(limit=limit, include_noindex=include_noindex)
    result = collect_timeline(url, Timeline.parse(timeline), fs, layout, token=Secret(token) if token else None, options=options)
    return {"source": source, "instance": result.instance, "timeline": result.timeline, "received": result.received, "written": result.written}


def raw_records() -> int:
    # etl belongs to both data-engineers and analysts: it may list every zone.
    return describe_lake(open_filesystem(LAKE, user=yarn.ETL_USER), LakeLayout()).records


def run_jobs(run_id: str, log=print) -> dict:
    layout = LakeLayout()
    steps = yarn.run_steps(layout.raw_glob(), layout.curated_run(run_id, "jobs"), log=log)
    counters: dict[str, int] = {}
    for step in steps:
        for name, value in step.counters.items():
            counters[name] = counters.get(name, 0) + value
    return {"output": steps[-1].output, "applications": [step.application for step in steps], "counters": counters}


def metrics_and_quarantine(run_id: str, output: str) -> dict:
    """The metrics document of a run; its malformed records go to the quarantine, whole."""
    lines = yarn.read_output(output)
    fs, layout = open_filesystem(LAKE, user=yarn.ETL_USER), LakeLayout()
    quarantined = [json.dumps({"reason": reason, "line_base64": base64.b64encode(raw).decode()}) for reason, raw in malformed_records(lines)]
    target = layout.quarantine_run(run_id, "malformed") + "/records.jsonl"
    # A cleared run quarantines again: replace, since atomic_write never overwrites.
    fs.delete(layout.quarantine_run(run_id, "malformed"), recursive=True)
    atomic_write(fs, layout.quarantine_run(run_id) + "/_tmp", target, ("\n".join(quarantined) + "\n").encode() if quarantined else b"")
    return metrics_from_output(lines)


def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser(PSEUDONYM_KEY_FILE.read_text().strip().encode())


def load(run_id: str, metrics: dict) -> dict:
    from labctl import hbase

    # The tables exist: `labctl deploy` creates them (with pre-splits and encodings
    # that need the HBase Java API, from the host), never a task.
    connection = cluster.hbase_connection()
    try:
        stats = hbase.load_run(connection, run_id, metrics, pseudonymiser())
        return asdict(stats) if hasattr(stats, "__dataclass_fields__") else dict(stats)
    finally:
        connection.close()


def quality(run_id: str, metrics: dict, counters: dict[str, int], raw: int, max_malformed_ratio: float) -> dict:
    """Counts that must agree between the raw zone, the jobs, the curated metrics and HBase."""
    from labctl import hbase

    problems = []
    read = counters.get("records_read", 0) + counters.get("blank_lines", 0)
    if read != raw:
        problems.append(f"the raw zone holds {raw} records but the jobs read {read}")
    malformed = metrics["totals"]["malformed"]
    if counters.get("malformed", malformed) != malformed:
        problems.append(f"malformed: counter {counters.get('malformed')} != curated totals {malformed}")
    if raw and malformed / raw > max_malformed_ratio:
        problems.append(f"{malformed} of {raw} records malformed, above the threshold {max_malformed_ratio:.1%}")
    connection = cluster.hbase_connection()
    try:
        in_hbase = hbase.query(connection, "totals", run=run_id)["totals"]
    finally:
        connection.close()
    if in_hbase != metrics["totals"]:
        problems.append(f"HBase totals {in_hbase} differ from the curated totals {metrics['totals']}")
    if problems:
        raise ValueError("data-quality checks failed: " + "; ".join(problems))
    return {"raw_records": raw, "records_read": read, "malformed": malformed, "totals": metrics["totals"]}


def publish(run_id: str) -> str:
    from labctl import hbase

    connection = cluster.hbase_connection()
    try:
        hbase.publish_run(connection, run_id)
    finally:
        connection.close()
    return run_id


def retention(keep_days: int, today: date) -> dict:
    result = apply_retention(open_filesystem(LAKE, user=COLLECTOR), LakeLayout(), keep_days=keep_days, today=today)
    return {"keep_days": keep_days, "deleted": result.deleted, "unreadable": result.unreadable}
