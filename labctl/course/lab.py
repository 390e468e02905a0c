"""The lab as the lab exercises' checks use it: HBase through Thrift, the region servers' JMX.

Every check that needs the lab goes through here, so a lab that is down or still starting
makes a grade "not gradable" (the student's work was not judged), never a failed check.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from labctl.core.errors import LabError
from labctl.course.grader import NotGradable

HINT = "start the lab (`labctl up`) and wait until `labctl status` says yes everywhere; `labctl doctor` if it does not start"


@contextmanager
def hbase() -> Iterator:
    """A happybase connection to the lab's Thrift server (published on the host)."""
    from labctl.hbase.connection import HBASE_ERRORS, connect

    try:
        connection = connect()
        connection.tables()
    except (LabError, *HBASE_ERRORS) as error:
        raise NotGradable(f"HBase's Thrift server cannot be reached ({getattr(error, 'message', error)})", hint=HINT) from error
    try:
        yield connection
    finally:
        connection.close()


def drop_table(name: str) -> None:
    """Remove a table a check created, whatever state the student's code left it in."""
    from labctl.hbase.connection import HBASE_ERRORS

    try:
        with hbase() as connection:
            if name.encode() in connection.tables():
                connection.delete_table(name, disable=True)
    except (NotGradable, *HBASE_ERRORS):
        pass  # nothing to clean, or nobody to clean it with


def _regionserver_ports() -> list[int]:
    from labctl.core import addresses as ab
    from labctl.core import engine as eng

    try:
        containers = eng.client(timeout=10).containers.list(
            filters={"label": ab.service_labels(ab.service("HBASE_REGIONSERVER")), "status": "running"}
        )
    except Exception as error:  # noqa: BLE001 - no engine
        raise NotGradable(f"the Docker engine cannot be reached ({type(error).__name__})", hint=HINT) from error
    web = ab.listen_port("HBASE_REGIONSERVER")
    ports = []
    for container in containers:
        published = (container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{web}/tcp") or []
        ports.extend(int(binding["HostPort"]) for binding in published[:1])
    if not ports:
        raise NotGradable(f"no region server publishes its web port ({web})", hint=HINT)
    return ports


def region_reads(table: str, namespace: str = "default") -> int:
    """Rows the region servers counted as read in the regions of `table` (JMX readRequestCount)."""
    from labctl.core import clients
    from labctl.core.addresses import Bean
    from labctl.core.manifest import Manifest

    total = 0
    prefix = f"Namespace_{namespace}_table_{table}_region_"
    host = Manifest().host
    for port in _regionserver_ports():
        beans = clients.jmx(f"http://{host}:{port}", Bean.HBASE_REGIONSERVER_REGIONS, timeout=10)["beans"]
        for bean in beans:
            total += sum(v for k, v in bean.items() if k.startswith(prefix) and k.endswith("_metric_readRequestCount"))
    return total


def settled_reads(table: str, *, namespace: str = "default", changed_from: int | None = None, timeout: float = 90,
                  still: float = 12, no_change: float = 30) -> int:
    """The read counter once published and unchanged for `still` seconds.

    Region servers refresh these metrics every few seconds (5 by default, seen up to 10), so
    a value is trusted only after more than one refresh without a change. With
    `changed_from`, a value equal to it is trusted only after `no_change` seconds (a query may
    read nothing at all)."""
    started = time.monotonic()
    deadline = started + timeout
    last, since = region_reads(table, namespace), started
    while time.monotonic() < deadline:
        time.sleep(3)
        now = region_reads(table, namespace)
        if now != last:
            last, since = now, time.monotonic()
            continue
        held = time.monotonic() - since
        if held >= still and (changed_from is None or now != changed_from or time.monotonic() - started >= no_change):
            return now
    raise NotGradable(f"the region servers' read counter of {table} did not settle in {timeout:.0f} s", hint="is HBase busy? try again")
