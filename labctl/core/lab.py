"""Provisioning the lab: an ordered list of named steps, each small.

    up: engine -> secrets -> images -> containers -> every health check
"""

from __future__ import annotations

import ipaddress
import json
import time
from dataclasses import dataclass

from rich.table import Table

from labctl.core import addresses as ab
from labctl.core import compose as dc
from labctl.core import engine as eng
from labctl.core import images, ui
from labctl.core.addresses import Bean
from labctl.core.edge import edge_service
from labctl.core.errors import CommandError, LabError
from labctl.core.health import CHECKS, OPTIONAL_CHECKS, Check, DagImportError, NotReady, jmx_bean
from labctl.core.manifest import ENDPOINTS, OPTIONAL_SERVICES, Manifest, endpoint
from labctl.core.secrets import airflow_login, airflow_passwords, ensure_secrets, notebook_token

NAMENODE_STATE, NAMENODE_SYSTEM = Bean.NAMENODE_STATE, Bean.NAMENODE_SYSTEM


@dataclass
class CheckResult:
    check: Check
    ok: bool
    detail: str


def running_datanodes() -> int:
    engine = eng.client()
    return len(engine.containers.list(filters={"label": ab.service_labels(ab.service("DATANODE"))}))


def running_workers(manifest: Manifest) -> int:
    """The lab's current worker count, read from its containers (not a state file)."""
    return running_datanodes() or int(manifest["LAB_WORKERS"])


def run_checks(manifest: Manifest, workers: int) -> list[CheckResult]:
    results = []
    for check in CHECKS:
        try:
            results.append(CheckResult(check, True, check.probe(manifest, workers)))
        except (NotReady, DagImportError) as exc:
            results.append(CheckResult(check, False, str(exc)))
    return results


def _table(results: dict[str, tuple[str, str]]) -> Table:
    table = Table(title="Waiting for the lab to work", show_lines=False)
    table.add_column("check")
    table.add_column("state")
    table.add_column("what it saw", overflow="fold")
    for name, (state, detail) in results.items():
        colour = {"ok": "green", "waiting": "yellow", "failed": "red"}[state]
        table.add_row(name, f"[{colour}]{state}[/]", detail)
    return table


def wait_healthy(manifest: Manifest, workers: int, timeout: float, poll: float = 1.0) -> list[CheckResult]:
    """Poll every check until all pass; on timeout name the failing check, its log, a hint."""
    deadline = time.monotonic() + timeout
    state = {check.name: ("waiting", "") for check in CHECKS}
    passed: dict[str, CheckResult] = {}
    with ui.live(_table(state)) as update:
        while True:
            for check in CHECKS:
                if check.name in passed:
                    continue
                try:
                    detail = check.probe(manifest, workers)
                    passed[check.name] = CheckResult(check, True, detail)
                    state[check.name] = ("ok", detail)
                    if not ui.err.is_terminal:
                        ui.info(f"✓ {check.name}: {detail}")
                except DagImportError as exc:
                    state[check.name] = ("failed", str(exc))
                    update(_table(state))
                    raise LabError(f"{check.name}: {exc}", hint="fix the DAG, then `labctl deploy`") from exc
                except NotReady as exc:
                    state[check.name] = ("waiting", str(exc))
                update(_table(state))
            if len(passed) == len(CHECKS):
                return list(passed.values())
            if time.monotonic() > deadline:
                failing = next(check for check in CHECKS if check.name not in passed)
                raise LabError(
                    f"{failing.name} is not working after {timeout:.0f} s: {state[failing.name][1]}",
                    hint=failing.hint,
                    details=service_log_tail(manifest, failing.service, 40),
                )
            time.sleep(poll)


def service_log_tail(manifest: Manifest, service: str, lines: int) -> str:
    result = dc.compose(manifest, "logs", "--no-color", "--tail", str(lines), service, check=False)
    return f"last {lines} lines of {service}'s log:\n{result.stdout}"


def running_optional() -> set[str]:
    """Optional services (the notebook) that run now: `labctl up` keeps them."""
    engine = eng.client()
    return {
        service
        for service in OPTIONAL_SERVICES
        if engine.containers.list(filters={"label": ab.service_labels(service)})
    }


def up(manifest: Manifest, *, workers: int, timeout: float, build_missing: bool = True, with_services: tuple[str, ...] = (), profile: str | None = None) -> list[CheckResult]:
    """profile: a resource profile the lab keeps from now on (None: the one it has)."""
    unknown = set(with_services) - set(OPTIONAL_SERVICES)
    if unknown:
        raise LabError(f"no optional service {', '.join(sorted(unknown))}", hint=f"--with takes: {', '.join(OPTIONAL_SERVICES)}")
    if profile is not None:
        # Remembered before anything starts: if the start fails half-way, the next command
        # still agrees with the containers already recreated with the new sizes.
        manifest = manifest.remember_profile(profile)
    with ui.step("Docker engine"):
        engine = eng.client()
    with ui.step("lab secrets"):
        ensure_secrets(manifest)
    optional = tuple(sorted(set(with_services) | running_optional()))
    missing = images.missing_images(engine, manifest, optional)
    if missing and build_missing:
        build(manifest, only=missing, ca_bundle=images.default_ca_bundle(), no_cache=False)
    elif missing:
        raise LabError(f"images missing: {', '.join(missing)}", hint="run `labctl build`")
    before = running_datanodes()
    shrinking = 0 < workers < before
    if shrinking:
        with ui.step(f"one replica of every HDFS block on each of the {before} DataNodes, before {before - workers} go"):
            replicate_everywhere(manifest, before, timeout)
        down(manifest, volumes=False)
    with ui.step(f"starting containers ({workers} worker{'s' if workers > 1 else ''}, profile {manifest.profile})" + "".join(f" + {name}" for name in optional)):
        _compose_up(manifest, workers, timeout, optional)
    results = wait_healthy(manifest, workers, timeout)
    for service in optional:
        with ui.step(f"{OPTIONAL_CHECKS[service].name} working"):
            wait_optional(manifest, service, timeout)
    if shrinking:
        replication = int(dc.worker_overrides(workers)["HDFS_REPLICATION"])
        with ui.step(f"HDFS replication back to {replication}"):
            set_replication(replication)
    return results


def wait_optional(manifest: Manifest, service: str, timeout: float, poll: float = 1.0) -> str:
    """An optional service's own check, probed from the host like the lab's."""
    check = OPTIONAL_CHECKS[service]
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check.probe(manifest, 0)
        except NotReady as exc:
            if time.monotonic() > deadline:
                raise LabError(f"{check.name} is not working after {timeout:.0f} s: {exc}", hint=check.hint, details=service_log_tail(manifest, service, 40)) from exc
            time.sleep(poll)


def _compose_up(manifest: Manifest, workers: int, timeout: float, optional: tuple[str, ...] = ()) -> None:
    """`compose up` converges on the wanted state, so a second call picks up where a failed
    one stopped: a changed worker count recreates every Hadoop, HBase and Airflow container
    at once on two cores. It does not mend a lab that cannot become healthy: the CI failure
    this retry was first written for was missing HDFS blocks (see replicate_everywhere)."""
    argv = [*dc.profile_args(optional), "up", "--detach", "--remove-orphans"]
    try:
        dc.compose(manifest, *argv, overrides=dc.worker_overrides(workers), timeout=timeout)
    except CommandError as first:
        last = (first.output.strip().splitlines() or ["no output"])[-1]
        ui.info(f"compose up failed ({last}); once more")
        dc.compose(manifest, *argv, overrides=dc.worker_overrides(workers), timeout=timeout)


# --- Fewer workers without losing a block ---------------------------------------------
#
# Scaled DataNodes share one volume, and each takes the first free slot in it when it
# starts (stack/images/jvm/bin/lab-daemon). After a restart with N workers, slots 1..N
# hold the data; a block kept only in a higher slot would be missing, keeping the NameNode
# in safe mode and HBase's master from starting. Hadoop's own answer, decommissioning,
# cannot finish when the nodes that stay are fewer than a file's replication. So every
# block first gets a replica on every DataNode, then the whole lab restarts: whichever
# slots the DataNodes take, each holds everything.


def set_replication(replication: int) -> None:
    # As HDFS's superuser: files of every owner, Airflow's, YARN's and HBase's among them.
    superuser = Manifest()["HDFS_SUPERUSER"]
    eng.exec_in(edge_service(), ["hdfs", "dfs", "-setrep", "-R", str(replication), "/"], environment={"HADOOP_USER_NAME": superuser})


def copies_left(state: dict, system: dict, datanodes: int) -> str | None:
    """What still stands between HDFS and a replica of every block on each DataNode, from
    the NameNode's FSNamesystemState and FSNamesystem beans; None once nothing does."""
    live = int(state.get("NumLiveDataNodes", 0))
    waiting = {
        "under-replicated blocks": int(state.get("UnderReplicatedBlocks", 0)),
        "blocks being copied": int(system.get("PendingReplicationBlocks", 0)),
        "missing blocks": int(system.get("MissingBlocks", 0)),
    }
    left = [f"{count} {what}" for what, count in waiting.items() if count]
    if live < datanodes:
        left.insert(0, f"{live}/{datanodes} DataNodes live")
    return ", ".join(left) or None


def replicate_everywhere(manifest: Manifest, datanodes: int, timeout: float, poll: float = 3.0) -> None:
    try:
        set_replication(datanodes)
    except CommandError as exc:
        raise LabError(
            "cannot give every HDFS block a replica on each DataNode before some of them go",
            hint="`labctl status` shows HDFS's state; `labctl down` then `labctl up --workers N` skips this, losing the blocks only the removed DataNodes hold",
            details=exc.output,
        ) from exc
    deadline = time.monotonic() + timeout
    while True:
        try:
            namenode = ab.current(manifest).namenode
            left = copies_left(jmx_bean(manifest, namenode, NAMENODE_STATE), jmx_bean(manifest, namenode, NAMENODE_SYSTEM), datanodes)
        except NotReady as exc:
            left = f"NameNode: {exc}"
        if left is None:
            return
        if time.monotonic() > deadline:
            raise LabError(f"HDFS still has {left} after {timeout:.0f} s; the lab was left as it was", hint="`labctl status` shows HDFS's figures; `labctl logs namenode`")
        time.sleep(poll)


def recreate(manifest: Manifest, service: str, overrides: dict[str, str], timeout: float = 120) -> None:
    """Recreate one service with some manifest values overridden, leaving the rest of the
    lab running, and wait until its own checks pass."""
    dc.compose(manifest, "up", "--detach", "--no-deps", "--force-recreate", service, overrides=overrides, timeout=timeout)
    checks = [check for check in CHECKS if check.service == service]
    deadline = time.monotonic() + timeout
    for check in checks:
        while True:
            try:
                check.probe(manifest, running_workers(manifest))
                break
            except NotReady as exc:
                if time.monotonic() > deadline:
                    raise LabError(f"{service} is not working {timeout:.0f} s after its restart: {exc}", details=service_log_tail(manifest, service, 40)) from exc
                time.sleep(1)


def build(manifest: Manifest, *, only: list[str] | None, ca_bundle, no_cache: bool) -> list[str]:
    engine = eng.client(timeout=3600)
    log_lines: list[str] = []

    def on_line(line: str) -> None:
        log_lines.append(line)
        if line.startswith("Step "):
            ui.info(line[:120])

    with ui.step(f"building images {', '.join(only) if only else 'all'}"):
        try:
            return images.build_all(engine, manifest, only=only, ca_bundle=ca_bundle, no_cache=no_cache, log=ui.info, on_line=on_line)
        except LabError as exc:
            exc.details = "\n".join(log_lines[-40:])
            raise


def down(manifest: Manifest, *, volumes: bool) -> None:
    args = [*dc.all_profiles(), "down", "--remove-orphans"] + (["--volumes"] if volumes else [])
    with ui.step("stopping the lab" + (" and wiping its volumes" if volumes else " (data volumes kept)")):
        dc.compose(manifest, *args, timeout=300)


def urls(manifest: Manifest, show_passwords: bool = False) -> list[dict[str, str]]:
    """Every endpoint (`url`); the Airflow logins (`user`) and the notebook's token, whose
    secrets (`password`, `token`) are given only when asked: what `labctl up` prints ends up
    in CI logs and terminal scrollback. Secrets have fields of their own, never in a URL."""
    rows = [{"name": endpoint.title, "service": endpoint.service, "url": manifest.url(endpoint)} for endpoint in ENDPOINTS]
    roles = dict(entry.split(":", 1) for entry in manifest["AIRFLOW_USERS"].split(",") if entry)
    airflow = manifest.url(endpoint("AIRFLOW"))
    passwords = airflow_passwords(manifest) or {"admin": airflow_login(manifest)[1]}
    for login, password in passwords.items():
        row = {"name": f"Airflow login ({roles.get(login, '?')})", "service": endpoint("AIRFLOW").service, "url": airflow, "user": login}
        if show_passwords:
            row["password"] = password
        rows.append(row)
    token = notebook_token(manifest)
    notebook = endpoint("NOTEBOOK")
    row = {"name": "JupyterLab with its token", "service": notebook.service, "url": manifest.url(notebook)}
    if token and show_passwords:
        row["token"] = token
    else:
        row["note"] = "(labctl urls --show-passwords)" if token else "(generated by the first `labctl up`)"
    rows.append(row)
    return rows


def where_text(row: dict[str, str]) -> str:
    """How the URL table shows a row: a login as user / password (or how to see it), the
    notebook as its URL with the token (or how to see it)."""
    if "user" in row:
        return f"{row['user']} / {row.get('password', '(labctl urls --show-passwords)')}"
    if "token" in row:
        return f"{row['url']}?token={row['token']}"
    return row.get("note", row["url"])


# What a published service gives whoever reaches its port, for the warning `labctl up`
# prints when the lab listens beyond loopback (LAB_BIND_ADDRESS). The lab authenticates
# nothing below Airflow: that is fine on 127.0.0.1 and not on a network. By address book entry.
EXPOSURE = {
    "NAMENODE": "WebHDFS, which believes any user name it is sent: anyone can read, rewrite or delete the whole lake, handles in clear included",
    "DATANODE": "DataNode web endpoints (WebHDFS reads and writes of blocks, as any user)",
    "RESOURCEMANAGER": "YARN's REST API, which runs a submitted application for anyone: their code on every NodeManager",
    "NODEMANAGER": "NodeManager web endpoints (container logs)",
    "JOBHISTORY": "JobHistory: every job's configuration, counters and logs",
    "ZOOKEEPER": "ZooKeeper without authentication: anyone can read or break HBase's coordination",
    "HBASE_MASTER": "the HBase master's web UI (tables, regions, configuration)",
    "HBASE_REGIONSERVER": "region server web UIs",
    "HBASE_THRIFT": "HBase Thrift without authentication: every table, `reid` (pseudonym -> handle) included, to read, write or drop",
    "MASTODON_REPLAY": "the replay server (the recording, and its fault settings)",
    "ALERT_SINK": "the alert sink: anyone can read the pipeline's failure alerts or post false ones",
    "AIRFLOW": "Airflow's UI and REST API, behind the lab's logins",
}


# Published on 127.0.0.1 whatever LAB_BIND_ADDRESS says (stack/docker-compose.yml): the
# notebook runs code for whoever holds its token.
ALWAYS_LOOPBACK = frozenset({endpoint("NOTEBOOK").service})


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return address == ab.LOCALHOST


def exposure(manifest: Manifest) -> list[str]:
    """What the lab's published ports give to other machines: [] when bound to loopback."""
    address = manifest.bind_address
    if is_loopback(address):
        return []
    where = "every network of this machine" if address in (ab.ANY_ADDRESS, "::", "") else address
    lines = []
    for endpoint in ENDPOINTS:
        if endpoint.service in ALWAYS_LOOPBACK:
            continue
        first, last = manifest.port(endpoint.port_key), manifest.values.get(f"{endpoint.port_key}_LAST")
        ports = f"ports {first}-{last}" if last and int(last) != first else f"port {first}"
        lines.append(f"{endpoint.service} ({ports}): {EXPOSURE[endpoint.key]}, reachable from {where}")
    return lines


def containers(manifest: Manifest) -> list[dict[str, str]]:
    engine = eng.client()
    rows = []
    for container in engine.containers.list(all=True, filters={"label": ab.project_label(manifest)}):
        health = (container.attrs.get("State", {}).get("Health") or {}).get("Status", "-")
        rows.append({
            "service": container.labels.get("com.docker.compose.service", "?"),
            "container": container.name,
            "state": container.status,
            "health": health,
        })
    return sorted(rows, key=lambda row: row["container"])


def as_json(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True)
