"""Each layer's key figures, read from the layer's own endpoint, for `labctl status`.

The parse_* functions are pure: they turn what an endpoint answered into
figures, so unit tests feed them JSON captured from the live lab
(tests/stack/fixtures/). collect() asks every layer at once with short
timeouts; a layer that does not answer, or answers without what its parser
needs, becomes {"unavailable": reason} and the other layers are still shown.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import requests

from labctl.core import addresses as ab
from labctl.core import clients
from labctl.core.addresses import Bean
from labctl.core.airflow_api import AirflowAPI
from labctl.core.errors import LabError
from labctl.core.manifest import Manifest
from labctl.core.runs import DAG_ID

# Status must stay quick when a layer hangs: the manifest's STATUS_TIMEOUT bounds each
# request, and the layers are asked in parallel.
RUNS = 5

NAMENODE_STATE = Bean.NAMENODE_STATE
NAMENODE_SYSTEM = Bean.NAMENODE_SYSTEM
HBASE_MASTER_SERVER = Bean.HBASE_MASTER_SERVER
HBASE_MASTER_ASSIGNMENT = Bean.HBASE_MASTER_ASSIGNMENT
HBASE_REGIONSERVER_SERVER = Bean.HBASE_REGIONSERVER_SERVER

# The endpoint answered, but without what the figures are made of.
Unexpected = clients.UnexpectedAnswer


# --- pure parsing -------------------------------------------------------------


_bean = clients.first_bean


def _require(source: dict, keys: tuple[str, ...], where: str) -> None:
    # Every missing key at once: one look at the message says what changed upstream.
    missing = [key for key in keys if key not in source]
    if missing:
        raise Unexpected(f"{where} lacks {', '.join(missing)}")


def parse_hdfs(state_answer: dict, system_answer: dict) -> dict:
    """The NameNode's FSNamesystemState bean (capacity, DataNodes, blocks) and its
    FSNamesystem bean (missing and corrupt blocks, non-DFS use)."""
    state = _bean(state_answer, NAMENODE_STATE)
    system = _bean(system_answer, NAMENODE_SYSTEM)
    _require(state, ("CapacityTotal", "CapacityUsed", "CapacityRemaining", "NumLiveDataNodes", "NumDeadDataNodes", "UnderReplicatedBlocks", "BlocksTotal", "FilesTotal"), NAMENODE_STATE)
    _require(system, ("MissingBlocks", "CorruptBlocks", "CapacityUsedNonDFS"), NAMENODE_SYSTEM)
    total, used = int(state["CapacityTotal"]), int(state["CapacityUsed"])
    return {
        "capacity_bytes": total,
        "used_bytes": used,
        "used_percent": round(100 * used / total, 2) if total else 0.0,
        "non_dfs_used_bytes": int(system["CapacityUsedNonDFS"]),
        "remaining_bytes": int(state["CapacityRemaining"]),
        "live_datanodes": int(state["NumLiveDataNodes"]),
        "dead_datanodes": int(state["NumDeadDataNodes"]),
        "stale_datanodes": int(state.get("NumStaleDataNodes", 0)),
        "under_replicated_blocks": int(state["UnderReplicatedBlocks"]),
        "missing_blocks": int(system["MissingBlocks"]),
        "corrupt_blocks": int(system["CorruptBlocks"]),
        "blocks": int(state["BlocksTotal"]),
        "files": int(state["FilesTotal"]),
        "state": state.get("FSState", "?"),
    }


YARN_KEYS = {
    "apps_running": "appsRunning",
    "apps_pending": "appsPending",
    "apps_completed": "appsCompleted",
    "apps_failed": "appsFailed",
    "apps_killed": "appsKilled",
    "nodes_active": "activeNodes",
    "nodes_lost": "lostNodes",
    "nodes_unhealthy": "unhealthyNodes",
    "nodes_decommissioned": "decommissionedNodes",
    "containers_running": "containersAllocated",
    # What the scheduler handed out, not what the processes happen to use.
    "memory_used_mb": "allocatedMB",
    "memory_total_mb": "totalMB",
    "vcores_used": "allocatedVirtualCores",
    "vcores_total": "totalVirtualCores",
}


def parse_yarn(answer: dict) -> dict:
    """The ResourceManager's /ws/v1/cluster/metrics."""
    metrics = answer.get("clusterMetrics") if isinstance(answer, dict) else None
    if not isinstance(metrics, dict):
        raise Unexpected("/ws/v1/cluster/metrics answered without clusterMetrics")
    _require(metrics, tuple(YARN_KEYS.values()), "clusterMetrics")
    return {figure: int(metrics[key]) for figure, key in YARN_KEYS.items()}


def _server_list(value: str) -> list[str]:
    # The master joins server names ("host,port,startcode") with ';'.
    return [name for name in (value or "").split(";") if name]


def _host_port(server_name: str) -> str:
    host, _, rest = server_name.partition(",")
    port = rest.partition(",")[0]
    return f"{host}:{port}" if port else host


def parse_hbase(master_answer: dict, assignment_answer: dict, regionserver_answers: list[dict]) -> dict:
    """The master's Server bean (servers, average load, requests so far) and
    AssignmentManager bean (regions in transition); the per-server regions and
    request rates come from each region server's own Server bean, matched to the
    master's live servers by name."""
    master = _bean(master_answer, HBASE_MASTER_SERVER)
    assignment = _bean(assignment_answer, HBASE_MASTER_ASSIGNMENT)
    _require(master, ("tag.isActiveMaster", "tag.liveRegionServers", "numRegionServers", "numDeadRegionServers", "averageLoad", "clusterRequests"), HBASE_MASTER_SERVER)
    _require(assignment, ("ritCount",), HBASE_MASTER_ASSIGNMENT)
    live = _server_list(master["tag.liveRegionServers"])
    reported = {}
    for answer in regionserver_answers:
        bean = _bean(answer, HBASE_REGIONSERVER_SERVER)
        reported[bean.get("tag.serverName", "?")] = bean
    servers = []
    for name in live:
        bean = reported.pop(name, None)
        row = {"server": _host_port(name), "regions": None, "reads_per_s": None, "writes_per_s": None}
        if bean is not None:
            # One-minute rates: steadier than the 5-second gauges a refresh could catch mid-burst.
            _require(bean, ("regionCount", "ServerReadQueryPerSecond_1min_rate", "ServerWriteQueryPerSecond_1min_rate"), f"{HBASE_REGIONSERVER_SERVER} of {row['server']}")
            row.update(
                regions=int(bean["regionCount"]),
                reads_per_s=round(float(bean["ServerReadQueryPerSecond_1min_rate"]), 1),
                writes_per_s=round(float(bean["ServerWriteQueryPerSecond_1min_rate"]), 1),
            )
        servers.append(row)
    answered = [row for row in servers if row["regions"] is not None]
    servers_count = int(master["numRegionServers"])
    return {
        "active_master": str(master["tag.isActiveMaster"]).lower() == "true",
        "region_servers": servers_count,
        "dead_region_servers": int(master["numDeadRegionServers"]),
        "average_load": round(float(master["averageLoad"]), 2) if servers_count else 0.0,
        # averageLoad is the master's regions per live server (none without servers).
        "regions": round(float(master["averageLoad"]) * servers_count) if servers_count else 0,
        "regions_in_transition": int(assignment["ritCount"]),
        "requests_total": int(master["clusterRequests"]),
        "requests_per_s": round(sum(row["reads_per_s"] + row["writes_per_s"] for row in answered), 1) if answered else None,
        "servers": servers,
        # Live servers whose own endpoint did not answer, and endpoints that
        # answered for a server the master does not count as live: shown, not dropped.
        "servers_not_reporting": [row["server"] for row in servers if row["regions"] is None],
        "unknown_servers_reporting": sorted(_host_port(name) for name in reported),
    }


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def parse_dag(answer: dict) -> dict:
    """GET /dags/{dag_id}: whether the pipeline is paused, and its schedule."""
    _require(answer, ("dag_id", "is_paused"), "the DAG")
    return {
        "dag_id": answer["dag_id"],
        "paused": bool(answer["is_paused"]),
        "schedule": answer.get("timetable_summary"),
        "next_run_after": answer.get("next_dagrun_run_after"),
    }


def parse_dag_runs(answer: dict, now: datetime) -> list[dict]:
    """GET /dags/{dag_id}/dagRuns, newest first: a finished run's duration is
    Airflow's; a running one's is the time since it started (until `now`)."""
    runs = answer.get("dag_runs") if isinstance(answer, dict) else None
    if not isinstance(runs, list):
        raise Unexpected("dagRuns answered without dag_runs")
    rows = []
    for run in runs:
        _require(run, ("dag_run_id", "state"), "a DAG run")
        start, end = _when(run.get("start_date")), _when(run.get("end_date"))
        duration = run.get("duration")
        if duration is None and start is not None:
            duration = ((end or now) - start).total_seconds()
        rows.append({
            "run_id": run["dag_run_id"],
            "state": run["state"],
            "run_type": run.get("run_type"),
            "start": run.get("start_date"),
            "end": run.get("end_date"),
            "duration_s": round(float(duration), 1) if duration is not None else None,
        })
    return rows


# --- fetching -------------------------------------------------------------------


class NotInTarget(LabError):
    """The target (a cluster profile) does not say where this service is."""


def _where(url: str | None, what: str) -> str:
    if not url:
        raise NotInTarget(f"the target has no {what} endpoint")
    return url


def hdfs(manifest: Manifest, timeout: float | None = None, runs: int = RUNS) -> dict:
    book = ab.current(manifest)
    timeout = book.timeouts.status if timeout is None else timeout
    base = _where(book.namenode, "NameNode")
    return {"source": f"{base}/jmx", **parse_hdfs(clients.jmx(base, NAMENODE_STATE, timeout=timeout), clients.jmx(base, NAMENODE_SYSTEM, timeout=timeout))}


def yarn(manifest: Manifest, timeout: float | None = None, runs: int = RUNS) -> dict:
    book = ab.current(manifest)
    url = f"{_where(book.resourcemanager, 'ResourceManager')}/ws/v1/cluster/metrics"
    return {"source": url, **parse_yarn(clients.get_json(url, timeout=book.timeouts.status if timeout is None else timeout))}


def _regionserver(base: str, timeout: float) -> dict | None:
    try:
        return clients.jmx(base, HBASE_REGIONSERVER_SERVER, timeout=timeout)
    except (requests.RequestException, ValueError):
        # No replica on this port of the range, or one that does not answer: a live
        # server without an answer is listed as not reporting, not dropped.
        return None


def hbase(manifest: Manifest, timeout: float | None = None, runs: int = RUNS) -> dict:
    book = ab.current(manifest)
    timeout = book.timeouts.status if timeout is None else timeout
    base = _where(book.hbase_master, "HBase master")
    master = clients.jmx(base, HBASE_MASTER_SERVER, timeout=timeout)
    assignment = clients.jmx(base, HBASE_MASTER_ASSIGNMENT, timeout=timeout)
    answers = []
    if book.regionservers:
        with ThreadPoolExecutor(len(book.regionservers)) as pool:
            answers = [answer for answer in pool.map(lambda url: _regionserver(url, timeout), book.regionservers) if answer is not None]
    return {"source": f"{base}/jmx", **parse_hbase(master, assignment, answers)}


def airflow(manifest: Manifest, timeout: float | None = None, runs: int = RUNS) -> dict:
    api = AirflowAPI(manifest, timeout=timeout)
    dag = parse_dag(api.get(f"/dags/{DAG_ID}"))
    answer = api.get(f"/dags/{DAG_ID}/dagRuns", limit=runs, order_by="-run_after")
    return {"source": f"{api.base}/api/v2", **dag, "runs": parse_dag_runs(answer, datetime.now(timezone.utc))}


LAYERS: dict[str, Callable[..., dict]] = {"hdfs": hdfs, "yarn": yarn, "hbase": hbase, "airflow": airflow}


def unavailable_reason(exc: Exception, timeout: float) -> str:
    """One line a user can act on; no response bodies (they may echo what was sent)."""
    url = getattr(getattr(exc, "request", None), "url", None) or ""
    where = f"{url.split('?')[0]}: " if url else ""
    if isinstance(exc, requests.Timeout):
        return f"{where}no answer within {timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        return f"{where}cannot connect"
    if isinstance(exc, requests.HTTPError):
        return f"{where}HTTP {exc.response.status_code}"
    if isinstance(exc, LabError):
        return exc.message
    if isinstance(exc, Unexpected):
        return str(exc)
    if isinstance(exc, ValueError):
        return f"{where}answered something that is not the expected JSON ({exc.__class__.__name__})"
    return f"{exc.__class__.__name__}: {exc}"


def _guarded(layer: Callable[..., dict], manifest: Manifest, timeout: float | None, runs: int) -> dict:
    try:
        return layer(manifest, timeout=timeout, runs=runs)
    except (requests.RequestException, LabError, OSError, ValueError, KeyError, TypeError) as exc:
        return {"unavailable": unavailable_reason(exc, timeout)}


def collect(manifest: Manifest, *, runs: int = RUNS, timeout: float | None = None) -> dict[str, dict]:
    """Every layer's figures, asked in parallel: {layer: figures or {"unavailable": reason}}."""
    timeout = ab.current(manifest).timeouts.status if timeout is None else timeout
    with ThreadPoolExecutor(len(LAYERS)) as pool:
        futures = {name: pool.submit(_guarded, layer, manifest, timeout, runs) for name, layer in LAYERS.items()}
        return {name: future.result() for name, future in futures.items()}


def not_running() -> dict[str, dict]:
    return {name: {"unavailable": "the lab is not running"} for name in LAYERS}
