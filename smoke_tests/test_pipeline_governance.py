"""Governance enforced on the lab (after the pipeline test has seeded and run it):
roles in Airflow and HDFS, pseudonyms by default in queries, and `labctl gdpr forget`."""

from __future__ import annotations

import json

import requests
from typer.testing import CliRunner

from conftest import edge
from labctl.cli import app, main
from labctl.core.manifest import Manifest
from labctl.core.secrets import airflow_passwords
from labctl.governance.pseudonym import Pseudonymiser, is_pseudonym
from labctl.core.secrets import pseudonym_key
from test_pipeline_e2e import RAW_GLOB, raw_zone_lines


def token(manifest: Manifest, login: str) -> str:
    base = f"http://{manifest.host}:{manifest.port('AIRFLOW_UI_PORT')}"
    response = requests.post(f"{base}/auth/token", json={"username": login, "password": airflow_passwords(manifest)[login]}, timeout=20)
    response.raise_for_status()
    return response.json()["access_token"]


def test_a_student_may_look_at_dags_but_not_trigger_them(lab_stack):
    base = f"http://{lab_stack.host}:{lab_stack.port('AIRFLOW_UI_PORT')}/api/v2"
    headers = {"Authorization": f"Bearer {token(lab_stack, 'student')}"}
    assert requests.get(f"{base}/dags", headers=headers, timeout=20).status_code == 200
    refused = requests.post(f"{base}/dags/mastodon_pipeline/dagRuns", json={"logical_date": None}, headers=headers, timeout=20)
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
        status = json.loads(line)
        return [handle_of(status["account"])] + ([handle_of(status["reblog"]["account"])] if status.get("reblog") else [])

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
