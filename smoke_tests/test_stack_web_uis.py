"""The web UIs render: each page answers from the host with its own content, and
every script and stylesheet it references is served too (a page whose assets
404 answers 200 but shows nothing)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
import requests

from labctl.core import addresses as ab

# The published port's name (the test's id), the address book's entry, the page and what it shows.
PAGES = {
    "NAMENODE_UI_PORT": ("namenode", "/dfshealth.html", "Namenode information"),
    "RESOURCEMANAGER_UI_PORT": ("resourcemanager", "/cluster", "All Applications"),
    "JOBHISTORY_UI_PORT": ("jobhistory", "/jobhistory", "Retired Jobs"),
    "HBASE_MASTER_UI_PORT": ("hbase_master", "/master-status", "Region Servers"),
    "AIRFLOW_UI_PORT": ("airflow", "/", "Airflow"),
}


@pytest.mark.parametrize("port_key", sorted(PAGES))
def test_ui_page_and_its_assets_are_served(lab_stack, port_key):
    entry, path, marker = PAGES[port_key]
    url = f"{getattr(ab.lab_from_host(lab_stack), entry)}{path}"
    page = requests.get(url, timeout=20)
    assert page.status_code == 200, url
    assert marker in page.text, f"{url} does not show {marker!r}"
    assets = set(re.findall(r'<(?:script[^>]+src|link[^>]+href)="([^"#?]+\.(?:js|css))', page.text))
    assert assets, f"{url} references no script or stylesheet"
    for asset in sorted(assets):
        absolute = urljoin(page.url, asset)
        if not absolute.startswith(f"http://{lab_stack.host}"):
            continue
        assert requests.get(absolute, timeout=20).status_code == 200, f"{url} references {absolute}, which is not served"
