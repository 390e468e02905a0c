"""`labctl gdpr forget` on the lab leaves no byte of the account's handle (in any of its
forms) or of its pseudonym anywhere the pipeline copied it: any lake zone (its malformed
lines decoded), any HBase table (URL rows naming it included), the upload folder, or a DAG
run's XCom. Only the state area keeps the pseudonym, on purpose (the erased list and the
audit log).

The account is one of the recording's authors; a file seeded beforehand links to its profile
and one of its posts (URL rows in HBase) and holds a malformed line naming it (base64 in the
work zone and the quarantine); a run puts everything in place, a file waits in the upload
folder. After `forget`, everything is searched; then once more after the next run, which
recomputes every derived copy from the cleaned raw zone.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter

import pytest

from conftest import edge
from labctl.cli import main
from labctl.core import addresses as ab
from labctl.core import edge as lab_edge
from labctl.core import runs
from labctl.core.airflow_api import AirflowAPI
from labctl.core.manifest import REPO_ROOT
from labctl.core.secrets import pseudonym_key
from labctl.governance.pseudonym import Pseudonymiser
from labctl.hbase.connection import connect
from recording import FILES
from test_pipeline_governance import handle_of


# Run on the edge node: every file of the lake (but the state area) and of the upload folder,
# decompressed and its base64 fields decoded, searched for the patterns given on stdin.
SEARCH = r"""
import base64, gzip, json, os, re, sys, zlib
from hdfs import InsecureClient
given = json.load(sys.stdin)
patterns = [re.compile(p.encode(), re.IGNORECASE) for p in given["patterns"]]
def texts(data):
    if data[:2] == b"\x1f\x8b":
        try:
            data = zlib.decompress(data, wbits=47)
        except zlib.error:
            pass
    found = [data]
    for match in re.finditer(rb"[A-Za-z0-9+/]{16,}={0,2}", data):
        try:
            found.append(base64.b64decode(match.group(), validate=True))
        except ValueError:
            pass
    return found
def hits(where, data):
    return [f"{where} ({p.pattern.decode()})" for p in patterns if any(p.search(t) for t in texts(data))]
report = {"files": 0, "hits": []}
client = InsecureClient(given["namenode"], user="hadoop")
for root, _, files in client.walk("/lake"):
    if root.startswith("/lake/_state"):
        continue
    for name in files:
        path = root.rstrip("/") + "/" + name
        with client.read(path) as reader:
            report["hits"] += hits(path, reader.read())
        report["files"] += 1
uploads = given["uploads"]
for name in sorted(os.listdir(uploads)) if os.path.isdir(uploads) else []:
    with open(os.path.join(uploads, name), "rb") as handle:
        report["hits"] += hits(f"upload {name}", handle.read())
print(json.dumps(report))
"""


def patterns(handle: str, pseudonym: str) -> list[str]:
    user, host = handle.split("@")
    forms = [handle, f"{host}/@{user}", f"{host}/users/{user}"]
    return [r"(?<![\w.-])" + re.escape(form) + r"(?![\w-]|\.\w)" for form in forms] + [re.escape(pseudonym)]


def everywhere(lab_stack, handle: str, pseudonym: str) -> list[str]:
    # The NameNode as the edge node reaches it (the address book's lab-network target).
    namenode = ab.current(lab_stack, target=ab.LAB_NETWORK).namenode
    given = {"patterns": patterns(handle, pseudonym), "uploads": lab_edge.upload_dir(), "namenode": namenode}
    output = edge(["python", "-c", SEARCH], stdin_data=json.dumps(given).encode())
    report = json.loads(output.strip().splitlines()[-1])
    assert report["files"] > 10, report
    found = list(report["hits"])
    compiled = [re.compile(p.encode(), re.IGNORECASE) for p in given["patterns"]]
    connection = connect(lab_stack)
    try:
        for table in (name.decode() for name in connection.tables() if name.startswith(b"mastodon:")):
            for key, row in connection.table(table).scan():
                if any(p.search(key) or any(p.search(v) for v in row.values()) for p in compiled):
                    found.append(f"hbase {table} {key[:80]!r}")
    finally:
        connection.close()
    api = AirflowAPI(lab_stack)
    for run in api.get(f"/dags/{runs.DAG_ID}/dagRuns", order_by="-run_after", limit=25)["dag_runs"]:
        for instance in runs.poll(api, run["dag_run_id"]).instances:  # mapped collects included
            value = json.dumps(runs.xcom(api, run["dag_run_id"], instance.task_id, instance.map_index)).encode()
            found += [f"xcom {run['dag_run_id']} {instance.name}" for p in compiled if p.search(value)]
    return found


def guide_accounts() -> set[str]:
    """The handles the lab guide names (its checks compare them with the recording)."""
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted((REPO_ROOT / "docs" / "lab-guide" / "en").glob("*.md")))
    return {match.lower() for match in re.findall(r"\b[\w.-]+@[\w-]+(?:\.[\w-]+)+\b", text)}


@pytest.fixture(scope="module")
def erasure(lab_stack, tmp_path_factory):
    work = tmp_path_factory.mktemp("erasure")
    recorded = [json.loads(line) for path in FILES for line in gzip.decompress(path.read_bytes()).split(b"\n") if line.strip()]
    authors = Counter(handle_of(s["account"]) for s in recorded if not s.get("reblog") and not s["account"].get("noindex"))
    # Not one of the top users other tests erase, nor an account whose erasure changes what the
    # lab guide checks against the recording: erasing a booster removes the boosted statuses
    # the lake holds only through its boosts (one of sesa_pics@mast.kiroba.jp's, seen in CI).
    guide = guide_accounts()
    touching = {handle_of(s["account"]) for s in recorded if s.get("reblog") and handle_of(s["reblog"]["account"]) in guide}
    handle = [h for h, _ in authors.most_common() if "@" in h and h not in guide and h not in touching][10]
    own = next(s for s in recorded if handle_of(s["account"]) == handle and not s.get("reblog"))
    other = next(s for s in recorded if handle_of(s["account"]) != handle and not s.get("reblog")
                 and not s["account"].get("noindex"))
    user, host = handle.split("@")
    linking = {**other, "id": "990000000000000901", "uri": f"https://{host}/s/990000000000000901",
               "content": f'<p>read <a href="https://{host}/@{user}/{own["id"]}" rel="nofollow">this</a> and '
                          f'<a href="https://{host}/@{user}" rel="nofollow">who wrote it</a></p>'}
    seeded = work / "links-to-the-account.jsonl"
    seeded.write_bytes(json.dumps(linking).encode() + b"\n" + f'{{"broken": "a line naming {handle}'.encode() + b"\n")
    api = AirflowAPI(lab_stack)
    runs.wait_idle(api)
    runs.quiesce(api)
    assert main(["seed", "--file", str(seeded), "--as-instance", "erasure-everywhere"]) == 0
    assert main(["run"]) == 0
    waiting = work / "waiting.jsonl"
    waiting.write_bytes(json.dumps(own).encode() + b"\n")
    lab_edge.copy_to_edge(waiting)  # an upload no run has ingested yet
    pseudonym = Pseudonymiser(pseudonym_key(lab_stack)).pseudonym(handle)
    found = {"before": everywhere(lab_stack, handle, pseudonym)}
    assert main(["gdpr", "forget", handle, "--reason", "smoke test: everywhere"]) == 0
    found["after forget"] = everywhere(lab_stack, handle, pseudonym)
    assert main(["run"]) == 0
    found["after the next run"] = everywhere(lab_stack, handle, pseudonym)
    return found


def test_the_account_was_everywhere_before(erasure):
    """Guards the test: each kind of copy named the account."""
    before = erasure["before"]
    for where in ("/lake/raw/", "/lake/work/", "/lake/curated/", "/lake/quarantine/", "hbase mastodon:rank",
                  "hbase mastodon:accounts", "hbase mastodon:reid", "hbase mastodon:terms", "upload "):
        assert any(hit.startswith(where) for hit in before), f"nothing named the account in {where}"


def test_nothing_is_left_after_forget(erasure):
    assert erasure["after forget"] == []


def test_nothing_comes_back_with_the_next_run(erasure):
    assert erasure["after the next run"] == []
