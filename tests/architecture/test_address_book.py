"""One address book: every endpoint is in stack/lab.env, read by labctl/core/addresses.py;
clients are built by labctl/core/clients.py with the manifest's timeouts."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from labctl.core import addresses as ab
from labctl.core import clients
from labctl.core.airflow_api import AirflowAPI
from labctl.core.manifest import COMPOSE_FILE, ENDPOINTS, Manifest

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_spells_a_host_port_bean_or_project_outside_the_address_book(shape):
    found = shape.literal_endpoints()
    assert found == [], "spelled outside the address book:\n" + "\n".join(map(str, found))


def test_the_literal_finder_finds_what_it_looks_for(shape, tmp_path):
    # The rule above is only as good as its finder: a module of each kind of literal is caught.
    module = tmp_path / "labctl" / "x.py"
    module.parent.mkdir()
    module.write_text(
        '"""Docstrings may say http://namenode:9870."""\n'
        'URL = "http://namenode:9870"\nTHRIFT = ("hbase-thrift", 9090)\nBEAN = "Hadoop:service=NameNode,name=NameNodeInfo"\n'
        'LABEL = "com.docker.compose.project=mastolab"\nHOST = "localhost"\nPORT = ":19888/x"\nFINE = "namenode-data"\n'
    )
    kinds = [(literal.line, literal.what) for literal in shape.literals_in(module, tmp_path)]
    assert sorted(kinds) == [(2, "host"), (3, "host"), (3, "port"), (4, "bean"), (5, "project"), (6, "host"), (7, "port")]


def _calls(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                names.add(f"{func.value.id}.{func.attr}")
            elif isinstance(func, ast.Name):
                names.add(func.id)
    return names


def test_only_the_client_factory_builds_clients(shape):
    builders = {"happybase.Connection", "InsecureClient", "requests.get", "requests.post", "requests.Session", "urllib.request.urlopen"}
    # The factory; Airflow's API client (a session of its own); Mastodon.py's HTTP session
    # (the collector's, to an instance that is no service of the lab); the alert notifier
    # (a webhook, which may be any URL); the in-process replay server's tests helpers.
    allowed = {"labctl/core/clients.py", "labctl/core/airflow_api.py", "labctl/collect/client.py", "labctl/alerts/notifier.py"}
    offenders = {}
    for path in shape.python_files():
        where = path.relative_to(ROOT).as_posix()
        used = _calls(ast.parse(path.read_text(encoding="utf-8"))) & builders
        if used and where not in allowed:
            offenders[where] = sorted(used)
    assert offenders == {}


def test_the_lab_network_addresses_are_compose_services_and_their_published_ports():
    compose = COMPOSE_FILE.read_text()
    services = set(re.findall(r"^  ([a-z][a-z0-9-]*):\n", compose, re.MULTILINE))
    manifest = Manifest(environ={})
    for key in [key for key in manifest.values if key.endswith("_ADDRESS") and key != "LAB_BIND_ADDRESS"]:
        host, port = ab.split_address(manifest[key])
        assert host in services, f"{key}: no compose service {host}"
    for endpoint in ENDPOINTS:
        # What the host reaches on the published port is the in-network port of the same service.
        port = ab.listen_port(endpoint.key, manifest)
        assert re.search(r"\$\{" + endpoint.port_key + r"\}(-\$\{\w+\})?:" + str(port) + r"\"", compose), endpoint.key


def test_compose_project_and_image_names_are_the_manifests():
    compose = COMPOSE_FILE.read_text()
    manifest = Manifest(environ={})
    assert re.search(r"^name: (\S+)$", compose, re.MULTILINE).group(1) == manifest.project
    # Every lab of the host runs the same images: their namespace is not the (per lab) project,
    # and its default is the project's name, the images' name before there were several labs.
    assert {image.split("/")[0] for image in re.findall(r"image: (\S+):\$\{LAB_IMAGE_TAG\}", compose)} == {"${LAB_IMAGE_NAMESPACE}"}
    assert manifest["LAB_IMAGE_NAMESPACE"] == manifest.project
    assert Manifest(environ={"LAB_NAME": "other"}).image("jvm") == manifest.image("jvm") == f"{manifest.project}/jvm:{manifest['LAB_IMAGE_TAG']}"


def test_the_hdfs_superuser_is_the_lakes_admin_user():
    from labctl.lake.permissions import ADMIN_USER

    assert Manifest(environ={})["HDFS_SUPERUSER"] == ADMIN_USER


def test_from_the_host_the_published_ports_on_the_bind_address():
    manifest = Manifest(environ={"LAB_BIND_ADDRESS": "10.1.2.3", "NAMENODE_UI_PORT": "19870", "HBASE_THRIFT_PORT": "19090"})
    book = ab.current(manifest, environ={})
    assert book.target == ab.LAB and book.is_lab and not book.inside_lab
    assert book.namenode == "http://10.1.2.3:19870" and book.thrift == ("10.1.2.3", 19090)
    assert len(book.regionservers) == manifest.port("HBASE_REGIONSERVER_UI_PORT_LAST") - manifest.port("HBASE_REGIONSERVER_UI_PORT") + 1


def test_inside_the_network_service_names_and_their_ports():
    manifest = Manifest(environ={})
    book = ab.current(manifest, environ={ab.TARGET_ENV: ab.LAB_NETWORK})
    assert book.inside_lab
    assert book.namenode == f"http://{manifest['NAMENODE_ADDRESS']}"
    assert book.thrift == ab.split_address(manifest["HBASE_THRIFT_ADDRESS"])
    assert book.replay == f"http://{manifest['MASTODON_REPLAY_ADDRESS']}"


def test_the_older_variables_still_point_the_pipeline_elsewhere():
    book = ab.current(Manifest(environ={}), environ={ab.TARGET_ENV: ab.LAB_NETWORK, "LAB_HBASE_THRIFT_HOST": "thrift.example.org",
                                                    "LAB_NAMENODE_HTTP": "http://nn.example.org:9870/"})
    assert book.thrift == ("thrift.example.org", ab.listen_port("HBASE_THRIFT")) and book.namenode == "http://nn.example.org:9870"


def test_clients_take_their_addresses_and_timeouts_from_the_manifest():
    manifest = Manifest(environ={"THRIFT_TIMEOUT": "7", "WEBHDFS_TIMEOUT": "11", "REST_TIMEOUT": "13"})
    book = ab.current(manifest, environ={})
    thrift = clients.thrift(addresses=book, autoconnect=False)
    assert (thrift.host, thrift.port, thrift.timeout) == (*book.thrift, 7000)
    webhdfs = clients.webhdfs("etl", addresses=book)
    assert (webhdfs.url, webhdfs._timeout) == (book.namenode, 11)
    api = AirflowAPI(manifest)
    assert (api.base, api.timeout) == (book.airflow, 13)


def test_one_way_to_read_a_jmx_bean():
    assert clients.first_bean({"beans": [{"a": 1}, {"a": 2}]}, "X") == {"a": 1}
    for answer in ({"beans": []}, {}, ["not", "a", "dict"]):
        with pytest.raises(clients.UnexpectedAnswer, match="JMX bean X not published"):
            clients.first_bean(answer, "X")
    assert clients.jmx_url("http://h:1", ab.Bean.NAMENODE_INFO) == "http://h:1/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo"
