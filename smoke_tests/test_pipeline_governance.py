"""Governance enforced on the lab (after the pipeline test has seeded and run it):
roles in Airflow and HDFS, pseudonyms by default in queries, and `labctl gdpr forget`."""

from __future__ import annotations

import gzip
import json
import uuid
from urllib.parse import unquote

import requests
from typer.testing import CliRunner

from conftest import edge
from labctl.cli import app, main
from labctl.core import addresses as ab
from labctl.core.manifest import Manifest
from labctl.core.runs import DAG_ID
from labctl.core.secrets import airflow_passwords
from labctl.governance.pseudonym import Pseudonymiser, is_pseudonym
from labctl.core.secrets import pseudonym_key
from recording import FILES
from test_pipeline_e2e import RAW_GLOB, raw_zone_lines


def token(manifest: Manifest, login: str) -> str:
    base = ab.lab_from_host(manifest).airflow
    response = requests.post(f"{base}/auth/token", json={"username": login, "password": airflow_passwords(manifest)[login]}, timeout=20)
    response.raise_for_status()
    return response.json()["access_token"]


def test_a_student_may_look_at_dags_but_not_trigger_them(lab_stack):
    base = f"{ab.lab_from_host(lab_stack).airflow}/api/v2"
    headers = {"Authorization": f"Bearer {token(lab_stack, 'student')}"}
    assert requests.get(f"{base}/dags", headers=headers, timeout=20).status_code == 200
    refused = requests.post(f"{base}/dags/{DAG_ID}/dagRuns", json={"logical_date": None}, headers=headers, timeout=20)
    assert refused.status_code == 403


def test_hdfs_separates_raw_from_curated_by_role(lab_stack):
    def ls(user: str, path: str) -> int:
        return int(edge(["bash", "-c", f"HADOOP_USER_NAME={user} hdfs dfs -ls {path} >/dev/null 2>&1; echo $?"]).strip().splitlines()[-1])

    assert ls("analyst", "/lake/curated") == 0
    assert ls("analyst", "/lake/raw") != 0
    assert ls("student", "/lake/curated") != 0
    assert ls("engineer", "/lake/raw") == 0


def test_queries_show_pseudonyms_unless_revealed(lab_stack):
    plain = json.loads(CliRunner().invoke(app, ["query", "top-users", "--json", "--limit", "5"]).stdout)["followers"]
    revealed = json.loads(CliRunner().invoke(app, ["query", "top-users", "--json", "--limit", "5", "--reveal"]).stdout)["followers"]
    assert all(is_pseudonym(key) for key in plain)
    pseudonymiser = Pseudonymiser(pseudonym_key(lab_stack))
    assert {pseudonymiser.pseudonym(handle): figures for handle, figures in revealed.items()} == plain


def test_analysts_read_pseudonymised_curated_data_and_never_the_jobs_outputs(lab_stack):
    """The jobs' outputs (handles in clear) sit in the work area, out of analysts' reach; the
    curated document of the latest run names accounts only by pseudonym, with the jobs' figures."""
    def status(user: str, command: str) -> int:
        return int(edge(["bash", "-c", f"HADOOP_USER_NAME={user} hdfs dfs {command} >/dev/null 2>&1; echo $?"]).strip().splitlines()[-1])

    assert status("analyst", "-ls /lake/work") != 0
    assert status("engineer", "-ls /lake/work") == 0
    assert status("engineer", "-ls -d '/lake/curated/*/jobs'") != 0, "job outputs left where analysts read"
    latest = edge(["bash", "-c", "HADOOP_USER_NAME=analyst hdfs dfs -ls -C '/lake/curated/*/metrics/metrics.json' 2>/dev/null | sort | tail -1"]).strip()
    # `forget` deletes the runs naming the account: this needs a run made since (the e2e test's).
    assert latest, "no curated metric document: run the pipeline first (smoke_tests/test_pipeline_e2e.py)"
    curated = json.loads(edge(["bash", "-c", f"HADOOP_USER_NAME=analyst hdfs dfs -cat '{latest}'"]))
    run = latest.split("/")[3]
    jobs_rows = edge(["bash", "-c", f"HADOOP_USER_NAME=etl hdfs dfs -cat '/lake/work/{run}/jobs/step-2-aggregate/part-*'"])
    # Key fields are %-escaped on the wire (jobs/wire.py).
    handles = {unquote(line.split("\t")[1]) for line in jobs_rows.splitlines()
               if line.split("\t")[0] in ("followers", "engagement", "mention")}
    assert handles and all("@" in handle for handle in handles)
    pseudonymiser = Pseudonymiser(pseudonym_key(lab_stack))
    for section in ("followers", "engagement", "mentions"):
        assert curated[section] and all(is_pseudonym(key) for key in curated[section]), section
    assert set(curated["followers"]) | set(curated["engagement"]) | set(curated["mentions"]) == \
        {pseudonymiser.pseudonym(handle) for handle in handles}


def handle_of(account: dict) -> str:
    """The contract's handle rule, written here independently of the jobs."""
    acct = account.get("acct", "")
    if "@" in acct:
        return acct.lower()
    host = (account.get("url") or "").split("/")[2] if "//" in (account.get("url") or "") else ""
    return f"{acct}@{host}".lower() if host else acct.lower()


def test_forget_removes_the_account_from_the_raw_zone_and_hbase(lab_stack, capsys):
    revealed = json.loads(CliRunner().invoke(app, ["query", "top-users", "--json", "--limit", "3", "--reveal"]).stdout)["followers"]
    handle = sorted(revealed)[0]

    def authors(line: bytes) -> list[str]:
        # Other tests ingest malformed records on purpose: they have no author to compare.
        try:
            status = json.loads(line)
        except ValueError:
            return []
        levels = [status, status.get("reblog")] if isinstance(status, dict) else []
        return [handle_of(level["account"]) for level in levels
                if isinstance(level, dict) and isinstance(level.get("account"), dict)]

    assert any(handle in authors(line) for line in raw_zone_lines(RAW_GLOB)), "the chosen account has no record to erase"

    assert main(["gdpr", "forget", handle, "--reason", "smoke test"]) == 0

    pseudonym = Pseudonymiser(pseudonym_key(lab_stack)).pseudonym(handle)
    remaining = [line for line in raw_zone_lines(RAW_GLOB) if handle in authors(line)]
    assert remaining == [], f"{len(remaining)} records of the erased account are still in the raw zone"
    after = json.loads(CliRunner().invoke(app, ["query", "top-users", "--json", "--limit", "1000000"]).stdout)["followers"]
    assert pseudonym not in after
    capsys.readouterr()
    assert main(["gdpr", "erasures", "--json"]) == 0
    audit = capsys.readouterr().out
    assert pseudonym in audit and handle not in audit


def test_a_later_seed_keeps_the_erased_account_out(lab_stack, tmp_path, capsys):
    """After `forget`, its statuses and boosts of them are skipped (counted as erased in the
    manifest) and mentions of it redacted, whatever brings them back (here `seed --file`)."""
    # Newest first: the account the forget test above erased.
    erased = edge(["bash", "-c", "HADOOP_USER_NAME=engineer hdfs dfs -ls -C -t /lake/_state/erased"]).split()
    pseudonymiser = Pseudonymiser(pseudonym_key(lab_stack))
    recorded = [json.loads(line) for path in FILES for line in gzip.open(path).read().split(b"\n") if line.strip()]
    accounts = [s["account"] for s in recorded] + [s["reblog"]["account"] for s in recorded if s.get("reblog")]
    by_pseudonym = {pseudonymiser.pseudonym(handle_of(a)): handle_of(a) for a in accounts}
    handles = [by_pseudonym[path.rsplit("/", 1)[1]] for path in erased if path.rsplit("/", 1)[1] in by_pseudonym]
    assert handles, "no account of the recording was erased (the forget test runs first)"
    handle = handles[0]

    def authors(status: dict) -> list[str]:
        return [handle_of(status["account"])] + ([handle_of(status["reblog"]["account"])] if status.get("reblog") else [])

    def mentions(status: dict) -> list[str]:
        levels = [status] + ([status["reblog"]] if status.get("reblog") else [])
        return [handle_of(m) for level in levels for m in level.get("mentions", [])]

    noindex = [s for s in recorded if any(a.get("noindex") is True for a in [s["account"]] + ([s["reblog"]["account"]] if s.get("reblog") else []))]
    own = [s for s in recorded if handle in authors(s) and s not in noindex]
    mentioning = [s for s in recorded if handle not in authors(s) and handle in mentions(s) and s not in noindex]
    assert own
    # Other files of the session may have erased accounts too (test_pipeline_erasure_everywhere):
    # what `seed` skips or redacts is judged against every erased account of the recording.
    gone = set(handles)
    sent = own + mentioning
    skipped = [s for s in sent if gone & set(authors(s))]
    kept = [s for s in sent if s not in skipped]
    redacted = [s for s in kept if gone & set(mentions(s))]
    path = tmp_path / "comeback.jsonl"
    # `seed --file` ingests a content once: a field minimisation drops makes this file new.
    session = uuid.uuid4().hex
    path.write_text("".join(json.dumps({**s, "smoke_session": session}) + "\n" for s in sent))
    capsys.readouterr()
    assert main(["seed", "--file", str(path), "--as-instance", "erasure-smoke", "--json"]) == 0
    printed = capsys.readouterr().out
    [result] = json.loads(printed[printed.index("["):])
    assert result["skipped"] == {"erased": len(skipped)} and len(skipped) >= len(own)
    assert result["redacted"] == ({"erased": len(redacted)} if redacted else {})
    # Only what this seed wrote: the partition keeps the batches of earlier sessions.
    lines = [line for batch in result["batches"] for line in raw_zone_lines(batch)]
    assert len(lines) == len(kept)
    for line in lines:
        status = json.loads(line)
        assert not gone & set(authors(status)) and not gone & set(mentions(status))
