"""After `forget`, ingestion keeps the account out: its statuses and boosts of them are
skipped and counted in the manifests under `erased`, mentions of it are redacted and counted,
everyone else is ingested as before; without the key, ingestion refuses rather than guess."""

from __future__ import annotations

from collections import Counter

import pytest
import scenario
from lakeview import lake_lines, manifests
from scenario import HANDLE, SUBJECT, TRACE, handle_of, is_removed, levels, parsed

from labctl.collect.files import ingest_files
from labctl.governance.erasure import forget
from labctl.governance.pseudonym import KEY_FILE_ENV, KeyUnavailable, Pseudonymiser
from labctl.lake.fs import LocalFileSystem
from labctl.lake.layout import LakeLayout

PSEUDONYMISER = Pseudonymiser(b"r" * 32)
LAYOUT = LakeLayout()


def mentions_subject(status: dict) -> bool:
    return any(handle_of(m) == HANDLE for level in levels(status) for m in level.get("mentions", []))


@pytest.fixture
def erased_lake(tmp_path):
    """A lake where the subject was erased before anything of it was collected."""
    fs = LocalFileSystem(tmp_path / "lake")
    forget(fs, LAYOUT, HANDLE, hbase_forget=None, pseudonymiser=PSEUDONYMISER, audit_actor="t", reason="r")
    return fs


def test_a_later_ingestion_skips_and_redacts_the_erased_account(erased_lake, tmp_path):
    statuses = scenario.build()
    source = scenario.write_input(statuses, tmp_path / "again.jsonl.gz")
    [result] = ingest_files([source], erased_lake, LAYOUT, pseudonymiser=PSEUDONYMISER)

    removed = sum(1 for s in statuses if is_removed(s))
    mentioning = sum(1 for s in statuses if not is_removed(s) and mentions_subject(s))
    assert removed >= 10 and mentioning >= 5  # the scenario exercises both rules
    assert result.skipped == {"erased": removed}
    assert result.redacted == {"erased": mentioning}
    totals = Counter()
    for manifest in manifests(erased_lake):
        totals.update(manifest["skipped"])
        assert manifest["skipped_noindex"] == 0
        assert set(manifest["redacted"]) <= {"erased"}
    assert totals == Counter({"erased": removed})

    ingested = list(parsed(lake_lines(erased_lake)))
    assert len(ingested) == len(statuses) - removed
    assert not any(is_removed(s) or mentions_subject(s) for s in ingested)
    assert {s["id"] for s in ingested} == {s["id"] for s in statuses if not is_removed(s)}


def test_mention_links_of_the_erased_account_do_not_come_back(erased_lake, tmp_path):
    statuses = [s for s in scenario.build() if not is_removed(s) and mentions_subject(s)]
    source = scenario.write_input(statuses, tmp_path / "mentions.jsonl.gz")
    ingest_files([source], erased_lake, LAYOUT, pseudonymiser=PSEUDONYMISER)
    for status in parsed(lake_lines(erased_lake)):
        assert not TRACE.search(status.get("content", "")), status["content"]


def test_an_unerased_lake_needs_no_key(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "absent-key"))
    fs = LocalFileSystem(tmp_path / "lake")
    source = scenario.write_input(scenario.build(), tmp_path / "in.jsonl.gz")
    [result] = ingest_files([source], fs, LAYOUT)
    assert result.skipped == {} and result.redacted == {}
    assert any(handle_of(s["account"]) == HANDLE for s in parsed(lake_lines(fs)))


def test_with_erased_accounts_and_no_key_ingestion_refuses(erased_lake, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "absent-key"))
    source = scenario.write_input([scenario.Builder().status(SUBJECT, text="back")], tmp_path / "in.jsonl.gz")
    with pytest.raises(KeyUnavailable, match="pseudonymisation key"):
        ingest_files([source], erased_lake, LAYOUT)
    assert lake_lines(erased_lake) == []


def test_the_key_file_named_by_the_environment_is_used(erased_lake, tmp_path, monkeypatch):
    key = tmp_path / "key"
    key.write_text("r" * 32 + "\n")
    monkeypatch.setenv(KEY_FILE_ENV, str(key))
    source = scenario.write_input([scenario.Builder().status(SUBJECT, text="back")], tmp_path / "in.jsonl.gz")
    [result] = ingest_files([source], erased_lake, LAYOUT)
    assert result.skipped == {"erased": 1} and list(parsed(lake_lines(erased_lake))) == []


def test_a_later_collection_from_an_instance_skips_and_redacts_alike(erased_lake):
    """The collector (the DAG's collect task, `labctl seed`) consults the same list."""
    from replayserver import running

    from labctl.collect.client import ClientOptions
    from labctl.collect.collector import CollectOptions, collect_timeline
    from labctl.collect.timelines import Timeline

    statuses = sorted(scenario.build(), key=lambda s: int(s["id"]), reverse=True)  # newest first, as served
    removed = sum(1 for s in statuses if is_removed(s))
    mentioning = sum(1 for s in statuses if not is_removed(s) and mentions_subject(s))
    options = CollectOptions(batch_size=40, include_noindex=True,
                             client=ClientOptions(request_timeout=5, backoff_base=0.01, max_attempts=4))
    with running(statuses) as server:
        result = collect_timeline(server.url, Timeline.parse("public"), erased_lake, LAYOUT,
                                  options=options, pseudonymiser=PSEUDONYMISER)
    assert result.skipped == {"erased": removed} and result.redacted == {"erased": mentioning}
    assert sum(m["skipped"].get("erased", 0) for m in manifests(erased_lake)) == removed
    ingested = list(parsed(lake_lines(erased_lake)))
    assert len(ingested) == len(statuses) - removed
    assert not any(is_removed(s) or mentions_subject(s) for s in ingested)
