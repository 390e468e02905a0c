"""After `forget`, no byte of the account's handle (in any of its forms) or of its pseudonym
is left anywhere the pipeline copies data to: any lake zone, any HBase table, the upload
folder, or what the tasks hand to XCom. Only the state area keeps the pseudonym, on purpose
(the erased list keeps the account out of later collections; the audit log is accountable).

The pipeline runs for real, task by task, through `labctl.pipeline.steps`: file ingestion
from the upload folder, the jobs (the local runner standing in for YARN, its part files put
where Streaming writes them), the quarantine and curated zones, the HBase load (the fake
HBase), quality, publish. Then `forget` with the lab's HBase erasure, then a second run over
the cleaned raw zone. Every file and row is searched here with the scenario's own patterns,
independently of the erasure's."""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from pathlib import Path

import pytest
import scenario
from fakehbase import FakeAdmin, FakeConnection
from scenario import HANDLE, OTHERS, SUBJECT, TRACE

from labctl.governance.erasure import forget, read_audit_log
from labctl.governance.pseudonym import Pseudonymiser
from labctl.hbase import forget_account
from labctl.hbase.schema import ensure_schema
from labctl.jobs.local import run_local
from labctl.lake.fs import LocalFileSystem, walk_files
from labctl.lake.layout import LakeLayout
from labctl.pipeline import steps, yarn

LAYOUT = LakeLayout()
KEY = b"e" * 32
PSEUDONYM = Pseudonymiser(KEY).pseudonym(HANDLE)


def statuses() -> list[dict]:
    """The scenario, plus plain links to the subject's profile and posts (counted as URLs)."""
    built = scenario.build()
    builder = scenario.Builder(seed=9)
    for n, href in enumerate(["https://replay.example/@user7/113750178999894165", "https://replay.example/users/user7"]):
        linking = builder.status(OTHERS[n], text=f'read <a href="{href}" rel="nofollow">this</a>')
        built.append(linking)
    return built


class Pipeline:
    """The DAG's tasks on a local lake, the fake HBase and a local upload folder."""

    def __init__(self, tmp_path: Path, monkeypatch):
        self.fs = LocalFileSystem(tmp_path / "hdfs")
        self.hbase = FakeConnection()
        ensure_schema(self.hbase, admin=FakeAdmin())
        self.uploads = tmp_path / "uploads"
        self.uploads.mkdir(mode=0o700)
        self.tmp = tmp_path
        self.xcom: list[dict] = []
        key_file = tmp_path / "pseudonym-key"
        key_file.write_bytes(KEY)
        monkeypatch.setenv("LABCTL_PSEUDONYM_KEY_FILE", str(key_file))
        monkeypatch.setenv("LAB_UPLOAD_DIR", str(self.uploads))
        monkeypatch.setattr(steps.cluster, "lake", lambda user: self.fs)
        monkeypatch.setattr(steps.cluster, "hbase_connection", lambda: self.hbase)
        monkeypatch.setattr(yarn, "read_output", self.read_output)

    def upload(self, name: str, data: bytes) -> str:
        path = self.uploads / name
        path.write_bytes(data)
        return str(path)

    def read_output(self, directory: str) -> list[bytes]:
        lines = []
        for entry in self.fs.list_dir(directory):
            if entry.name.startswith("part-"):
                lines += [line for line in self.fs.read_bytes(entry.path).split(b"\n") if line]
        return lines

    def run_jobs(self, run_id: str) -> dict:
        """The two Streaming steps over the raw zone, their part files where YARN puts them."""
        raw = self.tmp / f"raw-{run_id}.jsonl"
        with raw.open("wb") as out:
            for entry in walk_files(self.fs, LAYOUT.raw_source):
                if entry.name.endswith(".jsonl.gz"):
                    out.write(gzip.decompress(self.fs.read_bytes(entry.path)))
        work = self.tmp / f"local-{run_id}"
        work.mkdir()
        run = run_local([raw], work, workers=2)
        outputs = []
        for number, step in enumerate(("dedup", "aggregate"), start=1):
            output = f"{LAYOUT.work_run(run_id, 'jobs')}/step-{number}-{step}"
            for part in sorted((work / step).glob("part-*")):
                self.fs.write_bytes(f"{output}/{part.name}", part.read_bytes())
            outputs.append(output)
        counters = {name: value for (group, name), value in run.counters.items() if group == "Mastodon"}
        return {"output": outputs[-1], "applications": [], "counters": counters, "raw_records": steps.raw_records()}

    def run(self, run_id: str, files: list[str]) -> None:
        collected = steps.collect(source="file", instance="", timeline="public", limit=None, include_noindex=True,
                                  files=files, token=None)
        jobs = self.run_jobs(run_id)
        totals = steps.metrics_and_quarantine(run_id, jobs["output"])
        metrics = steps.metrics_from_output(yarn.read_output(jobs["output"]))
        loaded = steps.load(run_id, metrics)
        checked = steps.quality(run_id, metrics, jobs["counters"], jobs["raw_records"], 0.05)
        published = steps.publish(run_id)
        self.xcom += [collected, jobs, totals["totals"], loaded, checked, {"published": published}]


def decoded(data: bytes) -> list[bytes]:
    """A file as anyone could read it: decompressed, and every base64 field decoded."""
    if data[:2] == b"\x1f\x8b":
        data = zlib.decompress(data, wbits=47)
    texts = [data]
    for match in re.finditer(rb"[A-Za-z0-9+/]{16,}={0,2}", data):
        try:
            texts.append(base64.b64decode(match.group(), validate=True))
        except ValueError:
            pass
    return texts


def names_the_subject(data: bytes, pseudonym: bool = True) -> bool:
    return any(TRACE.search(text.decode("utf-8", "replace")) or (pseudonym and PSEUDONYM.encode() in text)
               for text in decoded(data))


def leftovers(pipeline: Pipeline) -> list[str]:
    found = []
    for zone in (LAYOUT.raw_zone, LAYOUT.work_zone, LAYOUT.curated_zone, LAYOUT.quarantine_zone, LAYOUT.tmp_zone):
        found += [entry.path for entry in walk_files(pipeline.fs, zone) if names_the_subject(pipeline.fs.read_bytes(entry.path))]
    for entry in walk_files(pipeline.fs, LAYOUT.state_zone):  # the pseudonym, on purpose; never the handle
        if names_the_subject(pipeline.fs.read_bytes(entry.path), pseudonym=False):
            found.append(entry.path)
    for table, rows in pipeline.hbase.snapshot().items():
        for key, row in rows.items():
            if names_the_subject(key) or any(names_the_subject(value) for value in row.values()):
                found.append(f"hbase {table} {key[:60]!r}")
    found += [f"upload {path.name}" for path in pipeline.uploads.iterdir() if names_the_subject(path.read_bytes())]
    found += [f"xcom {n}" for n, value in enumerate(pipeline.xcom) if names_the_subject(json.dumps(value).encode())]
    return found


@pytest.fixture
def pipeline(tmp_path, monkeypatch):
    pipeline = Pipeline(tmp_path, monkeypatch)
    source = scenario.write_input(statuses(), tmp_path / "timeline.jsonl.gz")
    pipeline.run("run-20260105T100000Z", [pipeline.upload("a1b2c3d4-timeline.jsonl.gz", source.read_bytes())])
    return pipeline


def test_the_pipeline_put_the_subject_everywhere(pipeline):
    """Guards the test: before the erasure the account is in every kind of copy."""
    found = leftovers(pipeline)
    for where in ("/lake/raw/", "/lake/work/", "/lake/curated/", "/lake/quarantine/", "hbase mastodon:rank",
                  "hbase mastodon:accounts", "hbase mastodon:reid", "hbase mastodon:terms"):
        assert any(entry.startswith(where) for entry in found), where
    work_malformed = [path for path in found if path.startswith("/lake/work/")
                      and b"malformed\t" in pipeline.fs.read_bytes(path)
                      and scenario.UNPARSED_NAMING in b"".join(decoded(pipeline.fs.read_bytes(path)))]
    assert work_malformed, "the work zone's malformed rows hold the line naming the subject, base64"
    assert any(b"/@user7/" in key for key in pipeline.hbase.snapshot()["mastodon:terms"]), "a URL row names the subject"


def test_nothing_of_the_account_is_left_after_forget_nor_after_the_next_run(pipeline):
    pending = pipeline.upload("e5f6a7b8-more.jsonl", json.dumps(scenario.make_status(
        scenario.EPOCH_MS + 99, 1, SUBJECT, text="waiting for a run")).encode() + b"\n")
    unrelated = pipeline.upload("c9d0e1f2-other.jsonl", json.dumps(scenario.make_status(
        scenario.EPOCH_MS + 98, 2, OTHERS[0], text="not about anyone")).encode() + b"\n")

    def hbase_forget(pseudonym: str, naming: str) -> int:
        return sum(forget_account(pipeline.hbase, pseudonym, naming=naming).values())

    report = forget(pipeline.fs, LAYOUT, "@User7@Replay.Example", hbase_forget=hbase_forget,
                    pseudonymiser=Pseudonymiser(KEY), audit_actor="dpo", reason="ticket for user7@replay.example",
                    uploads=LocalFileSystem(pipeline.uploads))
    assert report.ok and report.hbase == "rows deleted" and report.uploads_deleted == 1
    assert not Path(pending).exists() and Path(unrelated).exists()
    assert leftovers(pipeline) == []
    [audit] = read_audit_log(pipeline.fs, LAYOUT)
    assert audit["subject"] == {"pseudonym": PSEUDONYM}

    # The next run recomputes every derived copy from the cleaned raw zone.
    pipeline.run("run-20260105T110000Z", [unrelated])
    assert leftovers(pipeline) == []
    assert pipeline.fs.list_dir(LAYOUT.curated_zone)  # a run indeed wrote its zones again


def test_what_the_load_task_hands_to_xcom_names_no_account(pseudonymiser=Pseudonymiser(KEY)):
    """Entries the loader leaves out are counted per section in XCom, never named: XCom lives
    in Airflow's database, where no erasure reaches."""
    from labctl import oracle
    from labctl.hbase import loader

    document = oracle.compute([b"".join(json.dumps(s).encode() + b"\n" for s in statuses()[:40])])
    document["followers"][HANDLE] = {"following": 1}  # no "followers": cannot be ranked, left out
    document["urls"]["https://replay.example/@user7/" + "a" * 40_000] = 1  # a key over HBase's limit
    hbase = FakeConnection()
    ensure_schema(hbase, admin=FakeAdmin())
    stats = loader.load_run(hbase, "run-x", document, pseudonymiser)
    assert {section for section, _, _ in stats.skipped} == {"followers", "urls"}
    assert all(HANDLE not in str(entry) for entry in stats.skipped)
    summary = steps.load_summary(stats)
    assert summary["skipped"] == {"followers": 1, "urls": 1}
    assert not names_the_subject(json.dumps(summary).encode())
