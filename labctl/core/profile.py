"""A cluster profile: where an existing Hadoop, HBase and Airflow answer (`labctl --target FILE`).

A TOML file (docs/cluster.md, stack/cluster-profile.example.toml):

    [endpoints]            # URLs of web servers, host:port of the rest
    namenode = "http://nn.example.org:9870"          # WebHDFS and the NameNode's JMX
    resourcemanager = "http://rm.example.org:8088"
    jobhistory = "http://jhs.example.org:19888"      # optional
    hbase_master = "http://hmaster.example.org:16010"  # optional
    regionservers = ["http://rs1.example.org:16030"]   # optional
    hbase_thrift = "thrift.example.org:9090"
    zookeeper = "zk1.example.org:2181"               # optional
    airflow = "https://airflow.example.org"

    [credentials]
    file = "airflow-login.toml"   # username and password of the Airflow API, mode 0600

    [client]                      # the cluster's client configuration folders
    hadoop_conf_dir = "/etc/hadoop/conf"
    hbase_conf_dir = "/etc/hbase/conf"

    [lake]
    root = "/lake"

    [hdfs_users]                  # the lab's HDFS users as the cluster names them
    collector = "svc-mastodon-collect"

    [timeouts]                    # seconds; the manifest's by default
    webhdfs = 60

    [datanodes]                   # optional: where a DataNode the NameNode names is reached from here
    "dn1.internal:9864" = "http://dn1.example.org:9864"

An endpoint the profile leaves out is read from the client configuration when it is there:
the NameNode's web address from hdfs-site.xml, the ResourceManager's from yarn-site.xml, the
JobHistory's from mapred-site.xml, ZooKeeper's quorum from hbase-site.xml. Every mistake in the
file is reported at once, each naming its key.

WebHDFS sends every read and write of a file's bytes to a DataNode, by a redirect naming the
DataNode as the NameNode knows it: its own host name and HTTP port (NamenodeWebHdfsMethods'
redirectURI). From outside the cluster's network that name may not resolve; [datanodes] maps
each `host:port` the NameNode names to the URL that reaches that DataNode from here.
"""

from __future__ import annotations

import stat
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from labctl.core.errors import LabError

TIMEOUTS = ("webhdfs", "thrift", "thrift_load", "rest", "probe", "status")

SECTIONS = {
    "endpoints": {"namenode", "resourcemanager", "jobhistory", "hbase_master", "regionservers", "hbase_thrift", "zookeeper", "airflow"},
    "credentials": {"file"},
    "client": {"hadoop_conf_dir", "hbase_conf_dir"},
    "lake": {"root"},
    "hdfs_users": None,  # any lab user name
    "timeouts": set(TIMEOUTS),
    "datanodes": None,  # any "host:port" the NameNode names
}
REQUIRED = ("namenode", "resourcemanager", "hbase_thrift", "airflow")
URL_ENDPOINTS = ("namenode", "resourcemanager", "jobhistory", "hbase_master", "airflow")
HOST_PORT_ENDPOINTS = ("hbase_thrift", "zookeeper")


class ProfileError(LabError):
    """A cluster profile that cannot be used as it is."""


def split_address(address: str) -> tuple[str, int]:
    """`host:port` as (host, port)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{address!r} is not host:port")
    return host, int(port)


def read_profile(path: Path, timeouts: dict[str, float]) -> dict[str, Any]:
    """The fields of labctl.core.addresses.Addresses a profile gives (`timeouts`: the defaults)."""
    path = path.expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"no cluster profile {path}", hint="--target takes `lab` or a TOML file (docs/cluster.md)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read the cluster profile {path}: {exc}") from None
    problems: list[str] = []
    for section, value in data.items():
        if section not in SECTIONS:
            problems.append(f"unknown section [{section}] (known: {', '.join(SECTIONS)})")
        elif not isinstance(value, dict):
            problems.append(f"{section} must be a [section]")
        elif SECTIONS[section] is not None:
            problems += [f"unknown key {section}.{key}" for key in value if key not in SECTIONS[section]]
    section = lambda name: data.get(name) if isinstance(data.get(name), dict) else {}  # noqa: E731
    base = path.resolve().parent
    client = section("client")
    hadoop_conf = _folder(client.get("hadoop_conf_dir"), base, "client.hadoop_conf_dir", problems)
    hbase_conf = _folder(client.get("hbase_conf_dir"), base, "client.hbase_conf_dir", problems)
    endpoints = {**from_client_configuration(hadoop_conf, hbase_conf), **section("endpoints")}
    for name in REQUIRED:
        if not endpoints.get(name):
            problems.append(f"endpoints.{name} is missing (and not found in the client configuration)")
    for name in URL_ENDPOINTS:
        value = endpoints.get(name)
        if value is not None and not (isinstance(value, str) and value.startswith(("http://", "https://"))):
            problems.append(f"endpoints.{name} = {value!r}: an http:// or https:// URL")
    for name in HOST_PORT_ENDPOINTS:
        value = endpoints.get(name)
        if value is not None:
            try:
                split_address(value if isinstance(value, str) else "")
            except ValueError:
                problems.append(f"endpoints.{name} = {value!r}: host:port")
    regionservers = endpoints.get("regionservers", [])
    if not isinstance(regionservers, list) or not all(isinstance(url, str) and url.startswith(("http://", "https://")) for url in regionservers):
        problems.append("endpoints.regionservers: a list of http(s):// URLs")
        regionservers = []
    credentials = section("credentials").get("file")
    credentials_file = (base / Path(credentials).expanduser()) if isinstance(credentials, str) else None
    if credentials is None:
        problems.append("credentials.file is missing: the Airflow login labctl uses (username, password)")
    given = section("timeouts")
    try:
        timeouts = {name: float(given.get(name, timeouts[name])) for name in TIMEOUTS}
    except (TypeError, ValueError):
        problems.append("timeouts: numbers of seconds")
    users = section("hdfs_users")
    if not all(isinstance(value, str) and value for value in users.values()):
        problems.append("hdfs_users: names, as strings")
    datanodes = section("datanodes")
    for name, url in datanodes.items():
        try:
            split_address(name)
        except ValueError:
            problems.append(f"datanodes.{name!r}: a key is the host:port the NameNode names")
        if not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            problems.append(f"datanodes.{name!r} = {url!r}: an http:// or https:// URL")
    root = section("lake").get("root", "/lake")
    if not isinstance(root, str) or not root.startswith("/"):
        problems.append(f"lake.root = {root!r}: an absolute HDFS path")
    if problems:
        raise ProfileError(f"the cluster profile {path} cannot be used", details="\n".join(f"- {p}" for p in problems),
                           hint="docs/cluster.md describes every key; stack/cluster-profile.example.toml is a start")
    url = lambda name: endpoints[name].rstrip("/") if endpoints.get(name) else None  # noqa: E731
    return dict(
        target=str(path),
        namenode=url("namenode"),
        resourcemanager=url("resourcemanager"),
        jobhistory=url("jobhistory"),
        hbase_master=url("hbase_master"),
        regionservers=tuple(u.rstrip("/") for u in regionservers),
        thrift=split_address(endpoints["hbase_thrift"]),
        zookeeper=split_address(endpoints["zookeeper"]) if endpoints.get("zookeeper") else None,
        airflow=url("airflow"),
        timeouts=timeouts,
        credentials_file=credentials_file,
        hadoop_conf_dir=hadoop_conf,
        hbase_conf_dir=hbase_conf,
        lake_root=root,
        hdfs_users=dict(users),
        datanodes={name: url.rstrip("/") for name, url in datanodes.items()},
    )


def _folder(value: Any, base: Path, key: str, problems: list[str]) -> Path | None:
    if value is None:
        return None
    folder = base / Path(str(value)).expanduser()
    if not folder.is_dir():
        problems.append(f"{key} = {value!r}: no such folder")
        return None
    return folder


# --- The cluster's client configuration -------------------------------------------------------


def site_properties(path: Path) -> dict[str, str]:
    """The name -> value pairs of a Hadoop *-site.xml ({} when it is not there)."""
    if not path.is_file():
        return {}
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ProfileError(f"{path} is not valid XML: {exc}") from None
    found = {}
    for prop in root.iter("property"):
        name, value = prop.findtext("name"), prop.findtext("value")
        if name and value is not None:
            found[name.strip()] = value.strip()
    return found


def from_client_configuration(hadoop_conf: Path | None, hbase_conf: Path | None) -> dict[str, str]:
    """Endpoints the cluster's *-site.xml give: what the profile's [endpoints] may leave out."""
    found: dict[str, str] = {}
    if hadoop_conf is not None:
        hdfs = site_properties(hadoop_conf / "hdfs-site.xml")
        https = hdfs.get("dfs.http.policy", "HTTP_ONLY").upper() == "HTTPS_ONLY"
        address = hdfs.get("dfs.namenode.https-address" if https else "dfs.namenode.http-address")
        if address:
            found["namenode"] = f"{'https' if https else 'http'}://{address}"
        yarn = site_properties(hadoop_conf / "yarn-site.xml")
        if yarn.get("yarn.resourcemanager.webapp.address"):
            found["resourcemanager"] = f"http://{yarn['yarn.resourcemanager.webapp.address']}"
        mapred = site_properties(hadoop_conf / "mapred-site.xml")
        if mapred.get("mapreduce.jobhistory.webapp.address"):
            found["jobhistory"] = f"http://{mapred['mapreduce.jobhistory.webapp.address']}"
    if hbase_conf is not None:
        hbase = site_properties(hbase_conf / "hbase-site.xml")
        quorum = hbase.get("hbase.zookeeper.quorum", "").split(",")[0].strip()
        port = hbase.get("hbase.zookeeper.property.clientPort")
        if quorum:
            found["zookeeper"] = quorum if ":" in quorum or not port else f"{quorum}:{port}"
    return found


def airflow_credentials(path: Path) -> tuple[str, str]:
    """The Airflow login of a cluster profile: `username` and `password` in a TOML file
    readable by its owner only, never in the profile itself (which may be shared)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ProfileError(f"no credentials file {path}", hint="the profile's credentials.file names it") from None
    if info.st_mode & 0o077:
        raise ProfileError(f"credentials file {path} is readable by others (mode {stat.S_IMODE(info.st_mode):04o})",
                           hint=f"chmod 600 {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read the credentials file {path}: {exc.__class__.__name__}") from None
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise ProfileError(f"the credentials file {path} needs a username and a password (strings)")
    return username, password
