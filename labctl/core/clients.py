"""One factory for the clients labctl opens: WebHDFS, HBase's Thrift server, the REST and JMX
readers, Airflow's REST API. Where each service is and how long to wait for it come from the
address book (labctl/core/addresses.py), for the lab from the host, from inside its network,
or for a cluster profile; nothing else builds these clients.

The lake's FileSystem (labctl/lake/fs.py) wraps the WebHDFS client made here; HBase's users
get a connection that survives drops (`hbase`, labctl/core/thrift.py), through
labctl.hbase.connection.connect.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from labctl.core import addresses as ab
from labctl.core.addresses import Addresses
from labctl.core.thrift import ATTEMPTS, ResilientConnection


class UnexpectedAnswer(ValueError):
    """The endpoint answered, but without what was asked."""


def book(addresses: Addresses | None = None) -> Addresses:
    return addresses or ab.current()


# --- REST and JMX ---------------------------------------------------------------------------


def get_json(url: str, *, timeout: float) -> Any:
    """GET a JSON document; requests' errors (no answer, HTTP status) go up as they are."""
    response = requests.get(url, timeout=timeout)
    response.raise_for_status()
    return response.json()


def jmx_url(base: str, bean: str) -> str:
    return f"{base}/jmx?qry={bean}"


def jmx(base: str, bean: str, *, timeout: float) -> dict:
    """A daemon's answer for one JMX bean (a NameNode's, an HBase master's...): `{"beans": [...]}`."""
    return get_json(jmx_url(base, bean), timeout=timeout)


def first_bean(answer: Any, bean: str) -> dict:
    """The bean in a JMX answer; UnexpectedAnswer when the daemon does not publish it (yet)."""
    beans = answer.get("beans") if isinstance(answer, dict) else None
    if not beans:
        raise UnexpectedAnswer(f"JMX bean {bean} not published")
    return beans[0]


def jmx_bean(base: str, bean: str, *, timeout: float) -> dict:
    """The one way labctl reads a JMX bean."""
    return first_bean(jmx(base, bean, timeout=timeout), bean)


# --- WebHDFS --------------------------------------------------------------------------------


class DataNodeRoutes(requests.Session):
    """A session that sends WebHDFS's redirects to a DataNode where the profile's [datanodes]
    says it is reached from here. The NameNode names a DataNode by the host name it registered
    with and its HTTP port; outside the cluster's network that name may not resolve.

    The `hdfs` library follows the redirect of a read itself (requests' redirect handling:
    `get_redirect_target`) and sends a write's body to the redirect's Location with a new
    request (`request`): both pass through here."""

    def __init__(self, routes: Mapping[str, str]):
        super().__init__()
        self.routes = dict(routes)

    def routed(self, url: str) -> str:
        parts = urlsplit(url)
        base = self.routes.get(parts.netloc)
        if base is None:
            return url
        to = urlsplit(base)
        return urlunsplit((to.scheme, to.netloc, parts.path, parts.query, parts.fragment))

    def request(self, method, url, *args, **kwargs):
        return super().request(method, self.routed(url), *args, **kwargs)

    def get_redirect_target(self, response):
        target = super().get_redirect_target(response)
        return self.routed(target) if target else target


def webhdfs(user: str | None, *, url: str | None = None, addresses: Addresses | None = None):
    """An `hdfs` client of the NameNode's WebHDFS (or of `url`), as `user` (simple authentication),
    its DataNode redirects routed as the target's [datanodes] says."""
    from hdfs import InsecureClient  # only what touches HDFS needs it

    found = book(addresses)
    # InsecureClient makes its own session unless given one (None is not "none given").
    routes = {"session": DataNodeRoutes(found.datanodes)} if found.datanodes else {}
    return InsecureClient(url or found.namenode, user=user, timeout=found.timeouts.webhdfs, **routes)


# --- HBase's Thrift server ------------------------------------------------------------------


def thrift(*, addresses: Addresses | None = None, timeout: float | None = None, host: str | None = None,
           port: int | None = None, autoconnect: bool = True):
    """One happybase connection to the Thrift v1 server, as it is (a health probe's); what
    labctl reads and writes HBase with is `hbase`, made of these."""
    import happybase

    found = book(addresses)
    host, port = host or found.thrift[0], port or found.thrift[1]
    seconds = found.timeouts.thrift if timeout is None else timeout
    return happybase.Connection(host, port, timeout=int(seconds * 1000), autoconnect=autoconnect)


def hbase(*, addresses: Addresses | None = None, timeout: float | None = None, host: str | None = None,
          port: int | None = None, attempts: int = ATTEMPTS,
          sleep: Callable[[float], None] = time.sleep) -> ResilientConnection:
    """HBase through the Thrift v1 server, each call that is safe to repeat retried on a fresh
    connection after a drop (labctl/core/thrift.py). Not connected yet."""
    found = book(addresses)
    host, port = host or found.thrift[0], port or found.thrift[1]
    return ResilientConnection(lambda: thrift(addresses=found, host=host, port=port, timeout=timeout),
                               where=f"{host}:{port}", attempts=attempts, sleep=sleep)


# --- Airflow's REST API ---------------------------------------------------------------------


def airflow(addresses: Addresses | None = None, *, timeout: float | None = None):
    from labctl.core.airflow_api import AirflowAPI

    return AirflowAPI(timeout=timeout, addresses=addresses)
