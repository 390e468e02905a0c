"""The DAG's steps. Each is idempotent and keyed by the run id (derived from the
run's data interval): re-running a run replaces its files and HBase rows.
Each run computes its metrics over everything in the raw zone within retention,
so a run that collected nothing new publishes the same answers as the one before.

The jobs write into the work area (`/lake/work/<run>`, etl and data engineers only): their
output names accounts by handle. What analysts read, `/lake/curated/<run>/metrics/`, is the
metric document with every handle replaced by its keyed-HMAC pseudonym, the same pseudonyms
as in HBase; re-identification goes through HBase's `reid` table only.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from labctl.collect.collector import CollectOptions, collect_timeline
from labctl.collect.files import clean_uploads, ingest_files, uploaded_files
from labctl.collect.timelines import Timeline
from labctl.collect.token import Secret
from labctl.core.manifest import upload_dir
from labctl.governance.pseudonym import Pseudonymiser, is_pseudonym, load_pseudonymiser, pseudonymise_metrics
from labctl.jobs.output import malformed_records, metrics_from_output, ranked
from labctl.lake.catalog import describe_lake
from labctl.lake.fs import atomic_write
from labctl.lake.retention import RETENTION_VARIABLE, RUN_ZONES, apply_retention, keep_days_setting
from labctl.pipeline import cluster, yarn

COLLECTOR = "collector"
METRICS_STEP_NAME = "aggregate"
CURATED_DATASET = "metrics"
CURATED_FILE = "metrics.json"
UPLOAD_KEEP_SECONDS = 24 * 3600  # an upload a run did not ingest (it failed first) is kept a day
# How each top-N list of accounts is ordered (docs/metrics.md); ties go by key, now the pseudonym.
_RANK_BY = {
    "followers": lambda entry: entry["followers"],
    "engagement": lambda entry: entry["interactions"],
    "mentions": lambda count: count,
}


def run_id_for(data_interval_end: datetime) -> str:
    """A run is named after the end of its data interval: clearing it re-uses the name."""
    return "run-" + data_interval_end.strftime("%Y%m%dT%H%M%SZ")


def collect(*, source: str, instance: str, timeline: str, limit: int | None, include_noindex: bool, files: list[str], token: str | None) -> dict:
    fs, layout = cluster.lake(COLLECTOR), cluster.layout()
    if source == "file":
        # Only the upload folder: the edge node also holds the lab's secrets (/run/lab-secrets).
        paths = uploaded_files(files, upload_dir())
        results = ingest_files(paths, fs, layout, include_noindex=include_noindex)
        for path in paths:  # ingested (or already): the upload has done its job
            path.unlink(missing_ok=True)
        return {"source": "file", "files": [_xcom_file(result) for result in results]}
    # A recorded instance is a path prefix of the replay server (its domain); none: the default
    # one, named so in the URL too: the partition is the instance the URL names, never the name
    # a server gives itself (labctl.collect.collector.configured_instance).
    url = cluster.replay_url(instance or cluster.default_recorded_instance()) if source == "recorded" else instance
    options = CollectOptions(limit=limit, include_noindex=include_noindex)
    result = collect_timeline(url, Timeline.parse(timeline), fs, layout, token=Secret(token) if token else None, options=options)
    return {"source": source, "instance": result.instance, "timeline": result.timeline, "received": result.received, "written": result.written}


def run_feeds(params: dict, declared: str | None) -> list[dict]:
    """What this run collects, one item per mapped `collect` task: the feed its parameters name
    (a one-off run: `labctl run --source ...`), else every declared feed (`declared`, the
    Variable pipeline_feeds; unset, the manifest's default)."""
    from labctl.pipeline.feeds import default_feeds, parse_feeds

    if params.get("source"):
        return [{"source": params["source"], "instance": params.get("instance") or "",
                 "timeline": params.get("timeline") or "public"}]
    feeds = parse_feeds(declared) if declared else default_feeds()
    if not feeds:
        raise ValueError("no feed is declared: set the Airflow Variable pipeline_feeds (`labctl feeds add`)")
    return [feed.as_dict() for feed in feeds]


def _xcom_file(result) -> dict:
    """What XCom keeps of an ingested file: counts, not its name (a user's file name may say
    whose statuses it holds)."""
    summary = asdict(result)
    summary["path"] = Path(result.path).name[:8]  # the upload's random id (labctl.core.edge.copy_to_edge)
    summary["batches"] = len(result.batches)
    return summary


def raw_records() -> int:
    # etl belongs to both data-engineers and analysts: it may list every zone.
    return describe_lake(cluster.lake(yarn.ETL_USER), cluster.layout()).records


def run_jobs(run_id: str, log=print) -> dict:
    layout = cluster.layout()
    steps = yarn.run_steps(layout.raw_glob(), layout.work_run(run_id, "jobs"), log=log)
    counters: dict[str, int] = {}
    for step in steps:
        for name, value in step.counters.items():
            counters[name] = counters.get(name, 0) + value
    return {"output": steps[-1].output, "applications": [step.application for step in steps], "counters": counters}


def metrics_and_quarantine(run_id: str, output: str) -> dict:
    """The metrics document of a run, from the jobs' output in the work area: its malformed
    records go to the quarantine, whole; its pseudonymised form is published to the curated zone."""
    lines = yarn.read_output(output)
    fs, layout = cluster.lake(yarn.ETL_USER), cluster.layout()
    quarantined = [json.dumps({"reason": reason, "line_base64": base64.b64encode(raw).decode()}) for reason, raw in malformed_records(lines)]
    _replace(fs, layout.quarantine_run(run_id, "malformed"), "records.jsonl",
             ("\n".join(quarantined) + "\n").encode() if quarantined else b"")
    metrics = metrics_from_output(lines)
    curated = pseudonymised(metrics, pseudonymiser())
    _replace(fs, layout.curated_run(run_id, CURATED_DATASET), CURATED_FILE, _document_bytes(curated))
    return metrics


def _replace(fs, directory: str, name: str, data: bytes) -> None:
    # A cleared run writes again: replace, since atomic_write never overwrites.
    fs.delete(directory, recursive=True)
    atomic_write(fs, directory.rsplit("/", 1)[0] + "/_tmp", f"{directory}/{name}", data)


def _document_bytes(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


def pseudonymised(metrics: dict, pseudonymiser: Pseudonymiser) -> dict:
    """The curated form of a metric document: handles replaced by pseudonyms, lists ranked again."""
    return pseudonymise_metrics(metrics, pseudonymiser, lambda section, entries: ranked(entries, _RANK_BY[section]))


def curated_metrics(run_id: str) -> dict:
    """The metric document analysts read for a run (pseudonymised)."""
    fs, layout = cluster.lake(yarn.ETL_USER), cluster.layout()
    return json.loads(fs.read_bytes(f"{layout.curated_run(run_id, CURATED_DATASET)}/{CURATED_FILE}"))


def pseudonymiser() -> Pseudonymiser:
    return load_pseudonymiser()


def load(run_id: str, metrics: dict) -> dict:
    from labctl import hbase

    # The tables exist: `labctl deploy` creates them (with pre-splits and encodings
    # that need the HBase Java API, from the host), never a task.
    connection = cluster.hbase_connection()
    try:
        # Extra streams (HBASE_LOAD_STREAMS) each open a connection like this one, closed by the loader.
        stats = hbase.load_run(connection, run_id, metrics, pseudonymiser(), open_connection=cluster.hbase_connection)
    finally:
        connection.close()
    return load_summary(stats)


def load_summary(stats) -> dict:
    """What XCom keeps of a load: figures, and the entries left out counted per table or
    section, never named. XCom lives in Airflow's database, out of erasure's reach; a skipped
    entry is an account (its pseudonym) or a URL (which may be its profile's)."""
    skipped: dict[str, int] = {}
    for section, _, _ in stats.skipped:
        skipped[section] = skipped.get(section, 0) + 1
    return {"run_id": stats.run_id, "rows": dict(stats.rows), "deleted": stats.deleted, "skipped": skipped,
            "seconds": round(stats.seconds, 3), "batch_size": stats.batch_size, "method": stats.method,
            "streams": stats.streams}


def quality(run_id: str, metrics: dict, counters: dict[str, int], raw: int, max_malformed_ratio: float) -> dict:
    """Counts that must agree between the raw zone, the jobs, the curated metrics and HBase;
    and curated data that names no account in clear."""
    from labctl import hbase

    curated = curated_metrics(run_id)
    problems = curated_problems(metrics, curated, pseudonymiser())
    read = counters.get("records_read", 0) + counters.get("blank_lines", 0)
    if read != raw:
        problems.append(f"the raw zone holds {raw} records but the jobs read {read}")
    malformed = metrics["totals"]["malformed"]
    if counters.get("malformed", malformed) != malformed:
        problems.append(f"malformed: counter {counters.get('malformed')} != the jobs' totals {malformed}")
    if raw and malformed / raw > max_malformed_ratio:
        problems.append(f"{malformed} of {raw} records malformed, above the threshold {max_malformed_ratio:.1%}")
    connection = cluster.hbase_connection()
    try:
        in_hbase = hbase.query(connection, "totals", run=run_id)["totals"]
    finally:
        connection.close()
    if in_hbase != curated.get("totals"):
        problems.append(f"HBase totals {in_hbase} differ from the curated totals {curated.get('totals')}")
    if problems:
        raise ValueError("data-quality checks failed: " + "; ".join(problems))
    return {"raw_records": raw, "records_read": read, "malformed": malformed, "totals": metrics["totals"],
            "curated_accounts": {section: len(curated[section]) for section in _RANK_BY}}


def curated_problems(metrics: dict, curated: dict, pseudonymiser: Pseudonymiser) -> list[str]:
    """What is wrong with the curated document of `metrics`: a key that is not a pseudonym
    (an account in clear where analysts read), or any figure that differs from the jobs'."""
    problems = []
    for section in _RANK_BY:
        clear = [key for key in curated.get(section, {}) if not is_pseudonym(key)]
        if clear:
            problems.append(f"curated {section} has {len(clear)} keys that are not pseudonyms")
    expected = pseudonymised(metrics, pseudonymiser)
    differing = sorted(section for section in set(expected) | set(curated) if expected.get(section) != curated.get(section))
    if differing:
        problems.append(f"curated sections {', '.join(differing)} differ from the jobs' output")
    return problems


def publish(run_id: str) -> str:
    from labctl import hbase

    connection = cluster.hbase_connection()
    try:
        hbase.publish_run(connection, run_id)
    finally:
        connection.close()
    return run_id


def retention(setting: str | None, today: date, now: float | None = None) -> dict:
    """Every zone past its retention is deleted (raw partitions as collector, runs as etl),
    uploads left behind for a day too; then HBase's per-person TTL must be the same
    retention, or the task fails (its alert says to run `labctl deploy`, which applies it)."""
    import time

    from labctl.hbase import schema

    keep_days = keep_days_setting(setting)
    raw = apply_retention(cluster.lake(COLLECTOR), cluster.layout(), keep_days=keep_days, today=today, zones=("raw",))
    runs = apply_retention(cluster.lake(yarn.ETL_USER), cluster.layout(), keep_days=keep_days, today=today, zones=RUN_ZONES)
    uploads = clean_uploads(upload_dir(), older_than=UPLOAD_KEEP_SECONDS, now=time.time() if now is None else now)
    connection = cluster.hbase_connection()
    try:
        ttls = schema.person_ttls(connection)
    finally:
        connection.close()
    wanted = schema.person_ttl_seconds(keep_days)
    differing = {family: seconds for family, seconds in ttls.items() if seconds != wanted}
    if differing:
        raise ValueError(
            f"raw data is kept {keep_days} days ({RETENTION_VARIABLE}) but HBase keeps per-person cells "
            + ", ".join(f"{family} {seconds} s" for family, seconds in sorted(differing.items()))
            + f" instead of {wanted} s: run `labctl deploy`, which sets the TTL from {RETENTION_VARIABLE}"
        )
    return {"keep_days": keep_days, "deleted": raw.deleted + runs.deleted, "unreadable": raw.unreadable + runs.unreadable,
            "uploads_deleted": len(uploads), "hbase_ttl_seconds": wanted}
