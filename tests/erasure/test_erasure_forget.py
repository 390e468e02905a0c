"""`forget` on a lake filled by the real file ingestion: nothing of the account remains in the
raw zone, everyone else's records stay, manifests stay true, the metrics equal the oracle's
on an independently erased input, and the audit log names the pseudonym only."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import scenario
from fakehdfs import FakeHdfsClient
from labctl.oracle import compute
from lakeview import lake_lines
from scenario import HANDLE, SUBJECT, TRACE, parsed

from labctl.collect.files import ingest_files
from labctl.governance.erasure import ErasureError, forget, read_audit_log, recover
from labctl.governance.minimise import minimise
from labctl.governance.pseudonym import Pseudonymiser
from labctl.lake.catalog import describe_lake
from labctl.lake.fs import LocalFileSystem, WebHdfsFileSystem, walk_files
from labctl.lake.layout import LakeLayout

LAYOUT = LakeLayout()
KEY = b"k" * 32
STATUSES = scenario.build()


def make_fs(kind: str, tmp_path: Path):
    return LocalFileSystem(tmp_path / "lake") if kind == "local" else WebHdfsFileSystem(FakeHdfsClient())


@pytest.fixture(params=["local", "webhdfs"])
def lake(request, tmp_path):
    fs = make_fs(request.param, tmp_path)
    source = scenario.write_input(STATUSES, tmp_path / "timeline.jsonl.gz")
    ingest_files([source], fs, LAYOUT, batch_size=37, include_noindex=True)
    return fs


def run_forget(fs, **kwargs):
    options = dict(hbase_forget=None, pseudonymiser=Pseudonymiser(KEY), audit_actor="dpo", reason="Art. 17 request")
    options.update(kwargs)
    return forget(fs, LAYOUT, HANDLE, **options)


def test_the_scenario_puts_the_subject_everywhere(lake):
    """Guards the test itself: the input really holds what the erasure must remove."""
    before = list(parsed(lake_lines(lake)))
    removed = [s for s in before if scenario.is_removed(s)]
    assert sum(s.get("reblog") is None for s in removed) >= 6
    assert sum(s.get("reblog") is not None for s in removed) >= 5
    assert sum(scenario.refers_to_subject(s) for s in before if not scenario.is_removed(s)) >= 10
    assert scenario.UNPARSED_NAMING in lake_lines(lake)
    assert len({e.path for e in walk_files(lake, LAYOUT.raw_source) if e.name.endswith(".gz")}) >= 5


def test_nothing_of_the_account_remains_in_the_raw_zone(lake):
    subject_statuses = {level["id"] for s in STATUSES for level in scenario.levels(s)
                        if scenario.handle_of(level["account"]) == HANDLE}
    report = run_forget(lake)
    assert report.ok and report.residue == []
    for entry in walk_files(lake, LAYOUT.raw_zone):
        data = lake.read_bytes(entry.path)
        text = gzip.decompress(data) if entry.name.endswith(".gz") else data
        assert not TRACE.search(text.decode("utf-8", "replace")), entry.path
    for record in parsed(lake_lines(lake)):
        for level in scenario.levels(record):
            assert level["account"]["id"] != SUBJECT["id"]
            assert level["id"] not in subject_statuses
            assert level.get("in_reply_to_account_id") != SUBJECT["id"]
            assert level.get("in_reply_to_id") not in subject_statuses
            assert all(m["id"] != SUBJECT["id"] for m in level.get("mentions", []))


def test_everyone_else_stays_and_unrelated_records_are_untouched(lake):
    before = lake_lines(lake)
    run_forget(lake)
    after = lake_lines(lake)
    kept_ids = Counter(s["id"] for s in parsed(before) if not scenario.is_removed(s))
    assert Counter(s["id"] for s in parsed(after)) == kept_ids
    untouched = [line for line in before if line not in scenario.UNPARSED_OTHER + (scenario.UNPARSED_NAMING,)
                 and not scenario.is_removed(json.loads(line)) and not scenario.refers_to_subject(json.loads(line))]
    assert len(untouched) > 200
    assert set(untouched) <= set(after)
    # The look-alikes: a longer name on the same server, the same name on another server.
    for account in (scenario.PREFIXED, scenario.NAMESAKE):
        wanted = scenario.handle_of(account)
        authored = lambda lines: sorted(s["id"] for s in parsed(lines) if scenario.handle_of(s["account"]) == wanted)  # noqa: E731
        mentioned = lambda lines: sorted(s["id"] for s in parsed(lines)  # noqa: E731
                                         if any(scenario.handle_of(m) == wanted for m in s.get("mentions", [])))
        assert authored(after) == authored(before) != []
        assert mentioned(after) == mentioned(before) != []
    # Unparsed lines are removed only when they name the account.
    assert Counter(line for line in after if line in scenario.UNPARSED_OTHER) == Counter(scenario.UNPARSED_OTHER)
    assert scenario.UNPARSED_NAMING not in after


def test_the_metrics_equal_the_oracle_on_an_independently_erased_input(lake):
    run_forget(lake)
    expected_input = [scenario.without_subject_mentions(minimise(s)) for s in STATUSES if not scenario.is_removed(s)]
    body = b"".join(json.dumps(s).encode() + b"\n" for s in expected_input) + b"".join(
        line + b"\n" for line in scenario.UNPARSED_OTHER)
    expected = compute([body])
    actual = compute([b"".join(line + b"\n" for line in lake_lines(lake))])
    assert actual == expected
    assert HANDLE not in actual["mentions"] and HANDLE in compute([b"".join(
        json.dumps(minimise(s)).encode() + b"\n" for s in STATUSES)])["mentions"]


def test_report_counts_match_what_was_removed(lake):
    before = list(parsed(lake_lines(lake)))
    report = run_forget(lake)
    removed = [s for s in before if scenario.is_removed(s)]
    authored = [s for s in removed if scenario.handle_of(s["account"]) == HANDLE]
    assert report.counts == {
        "authored_removed": len(authored),
        "boosts_removed": len(removed) - len(authored),
        "redacted": sum(scenario.refers_to_subject(s) for s in before if not scenario.is_removed(s)),
        "unparsed_removed": 1,
    }
    assert report.batches_scanned == len([e for e in walk_files(lake, LAYOUT.raw_source) if e.name.endswith(".gz")])


def test_manifests_stay_consistent_with_their_batches(lake):
    report = run_forget(lake)
    assert report.batches_rewritten > 0
    summary = describe_lake(lake, LAYOUT)
    assert summary.problems == []
    assert summary.records == len(lake_lines(lake))
    rewritten = 0
    for entry in walk_files(lake, LAYOUT.raw_source):
        if "/_manifests/" not in entry.path:
            continue
        manifest = json.loads(lake.read_bytes(entry.path))
        data = lake.read_bytes(manifest["data_path"])
        assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
        assert manifest["bytes"] == len(data)
        assert manifest["count"] == len(gzip.decompress(data).split(b"\n")) - 1
        assert manifest["parsed"] + manifest["unparsed"] == manifest["count"]
        if manifest.get("erasures"):
            rewritten += 1
            assert manifest["erasures"][-1]["id"] == report.id
    assert rewritten == report.batches_rewritten
    assert list(walk_files(lake, LAYOUT.tmp_zone)) == []


def test_the_audit_log_names_the_pseudonym_never_the_handle(lake):
    report = run_forget(lake, reason="request by @user7@replay.example, ticket 42", audit_actor="alice (DPO)")
    [record] = read_audit_log(lake, LAYOUT)
    assert record["subject"] == {"pseudonym": Pseudonymiser(KEY).pseudonym(HANDLE)}
    assert record["actor"] == "alice (DPO)" and record["kind"] == "forget" and record["id"] == report.id
    assert record["counts"] == report.counts
    assert "ticket 42" in record["reason"] and "[erased]" in record["reason"]
    for entry in walk_files(lake, LAYOUT.state_zone):
        assert not TRACE.search(lake.read_bytes(entry.path).decode()), entry.path


def test_hbase_is_asked_with_the_pseudonym_and_its_count_recorded(lake):
    calls = []
    report = run_forget(lake, hbase_forget=lambda key, naming: calls.append((key, naming)) or 17)
    [(pseudonym, naming)] = calls
    assert pseudonym == Pseudonymiser(KEY).pseudonym(HANDLE)
    # The pattern of the URL rows to delete: the account's profile links, not a look-alike's.
    assert re.search(naming, "https://replay.example/@user7/113", re.IGNORECASE)
    assert re.search(naming, "https://replay.example/users/user7", re.IGNORECASE)
    assert not re.search(naming, "https://replay.example/@user70", re.IGNORECASE)
    assert not re.search(naming, "https://social.example/@user7", re.IGNORECASE)
    assert (report.hbase, report.hbase_rows) == ("rows deleted", 17)
    assert read_audit_log(lake, LAYOUT)[0]["hbase_rows"] == 17


def test_an_hbase_failure_is_recorded_and_a_second_run_retries_it(lake):
    def broken(key, naming):
        raise ConnectionError("thrift down while deleting user7@replay.example")

    first = run_forget(lake, hbase_forget=broken)
    assert not first.ok and first.hbase.startswith("failed: ConnectionError")
    assert "user7@replay" not in first.hbase  # the error text is masked too
    assert not TRACE.search(b"".join(lake_lines(lake)).decode("utf-8", "replace"))
    second = run_forget(lake, hbase_forget=lambda key, naming: 3)
    assert second.ok and second.batches_rewritten == 0 and second.counts == {}
    assert [r["hbase"] for r in read_audit_log(lake, LAYOUT)] == [first.hbase, "rows deleted"]


def test_forget_is_idempotent(lake):
    run_forget(lake)
    after_first = sorted(lake_lines(lake))
    again = run_forget(lake)
    assert again.counts == {} and again.batches_rewritten == 0
    assert sorted(lake_lines(lake)) == after_first


def test_dry_run_reports_without_writing(lake):
    snapshot = {e.path: lake.read_bytes(e.path) for e in walk_files(lake, LAYOUT.root)}
    planned = run_forget(lake, dry_run=True)
    assert {e.path: lake.read_bytes(e.path) for e in walk_files(lake, LAYOUT.root)} == snapshot
    assert planned.dry_run and planned.audit_path is None
    assert run_forget(lake).counts == planned.counts


def test_derived_runs_naming_the_account_are_deleted(lake):
    pseudonym = Pseudonymiser(KEY).pseudonym(HANDLE)
    lake.write_bytes(LAYOUT.curated_run("run-1", "jobs") + "/part-00000", b"author\tuser7@replay.example\t3\n")
    lake.write_bytes(LAYOUT.curated_run("run-2", "jobs") + "/part-00000", f"author\t{pseudonym}\t3\n".encode())
    lake.write_bytes(LAYOUT.curated_run("run-3", "jobs") + "/part-00000", b"author\tuser70@replay.example\t3\n")
    quarantined = json.dumps({"reason": "invalid-json", "line_base64": "eyJ1c2VyN0ByZXBsYXkuZXhhbXBsZSI="})
    lake.write_bytes(LAYOUT.quarantine_run("run-4", "malformed") + "/records.jsonl", quarantined.encode() + b"\n")
    report = run_forget(lake)
    assert report.derived_runs_deleted == [LAYOUT.curated_run("run-1"), LAYOUT.curated_run("run-2"),
                                           LAYOUT.quarantine_run("run-4")]
    assert lake.exists(LAYOUT.curated_run("run-3")) and not lake.exists(LAYOUT.curated_run("run-1"))
    assert report.residue == []


def test_a_work_run_naming_the_account_only_in_a_malformed_row_is_deleted(lake):
    """The jobs keep a malformed line as base64 in a wire row: searched decoded."""
    line = base64.b64encode(b'{"broken": "by user7@replay.example').decode()
    lake.write_bytes(LAYOUT.work_run("run-5", "jobs") + "/step-1-dedup/part-00000",
                     f'malformed\tinvalid-json\t"{line}"\nstatus\tx\t1\n'.encode())
    other = base64.b64encode(b'{"broken": "by user70@replay.example').decode()
    lake.write_bytes(LAYOUT.work_run("run-6", "jobs") + "/step-1-dedup/part-00000",
                     f'malformed\tinvalid-json\t"{other}"\n'.encode())
    report = run_forget(lake)
    assert report.derived_runs_deleted == [LAYOUT.work_run("run-5")]
    assert lake.exists(LAYOUT.work_run("run-6")) and report.residue == []


def test_keeping_derived_runs_leaves_them_reported_as_residue(lake):
    path = LAYOUT.curated_run("run-1", "jobs") + "/part-00000"
    lake.write_bytes(path, b"author\tuser7@replay.example\t3\n")
    report = run_forget(lake, delete_derived=False)
    assert report.residue == [path] and not report.ok


class CrashingFs:
    """Delegates to a real backend and dies at the n-th rename: a process killed mid-erasure."""

    def __init__(self, fs, crash_at: int):
        self.fs, self.renames, self.crash_at = fs, 0, crash_at

    def rename(self, src, dst):
        self.renames += 1
        if self.renames == self.crash_at:
            raise KeyboardInterrupt("killed")
        return self.fs.rename(src, dst)

    def __getattr__(self, name):
        return getattr(self.fs, name)


@pytest.mark.parametrize("crash_at", [1, 2, 5, 12])
def test_an_interrupted_erasure_is_finished_by_the_next_run(lake, crash_at):
    with pytest.raises(KeyboardInterrupt):
        run_forget(CrashingFs(lake, crash_at))
    finished = recover(lake, LAYOUT)
    # The journal's own write is the first rename: killed there, nothing had changed yet.
    assert len(finished) == (0 if crash_at == 1 else 1)
    again = run_forget(lake)
    assert again.residue == [] and not TRACE.search(b"".join(lake_lines(lake)).decode("utf-8", "replace"))
    assert describe_lake(lake, LAYOUT).problems == []
    kept_ids = Counter(s["id"] for s in STATUSES if not scenario.is_removed(s))
    assert Counter(s["id"] for s in parsed(lake_lines(lake))) == kept_ids


@pytest.mark.parametrize("bad", ["user7", "@user7", "user7@", "a b@c", "https://replay.example/@user7", ""])
def test_a_handle_that_is_not_user_at_host_is_refused(lake, bad):
    with pytest.raises(ErasureError, match="not a full handle"):
        forget(lake, LAYOUT, bad, hbase_forget=None, pseudonymiser=Pseudonymiser(KEY), audit_actor="x", reason="y")


def test_an_erasure_needs_an_actor(lake):
    with pytest.raises(ErasureError, match="who carries it out"):
        run_forget(lake, audit_actor="  ")
