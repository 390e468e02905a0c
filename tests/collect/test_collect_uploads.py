"""The DAG's `files` parameter: only files inside the upload folder are ingested (the edge
node also holds the lab's secrets), checked by the library the DAG calls once links and
`..` are resolved; an ingested upload is deleted, one a failed run left is deleted a day on."""

from __future__ import annotations

import json
import os
import time

import pytest
from lakeview import lake_lines
from statusfactory import make_timeline

from labctl.collect.files import OutsideUploads, clean_uploads, uploaded_files
from labctl.lake.fs import LocalFileSystem
from labctl.pipeline import steps


@pytest.fixture
def folders(tmp_path):
    uploads, secrets = tmp_path / "uploads", tmp_path / "run" / "lab-secrets"
    uploads.mkdir()
    secrets.mkdir(parents=True)
    (secrets / "pseudonym-key").write_text("k" * 64)
    (uploads / "ok.jsonl").write_bytes(b'{"id": "1"}\n')
    (uploads / "sub").mkdir()
    (uploads / "sub" / "deeper.jsonl").write_bytes(b"{}\n")
    (uploads / "link-out").symlink_to(secrets / "pseudonym-key")
    (uploads / "link-in").symlink_to(uploads / "ok.jsonl")
    return uploads, secrets


def test_files_in_the_upload_folder_are_given_back_resolved(folders):
    uploads, _ = folders
    assert uploaded_files([uploads / "ok.jsonl", str(uploads / "sub" / "deeper.jsonl"), uploads / "link-in"], uploads) == [
        uploads / "ok.jsonl", uploads / "sub" / "deeper.jsonl", uploads / "ok.jsonl"]


@pytest.mark.parametrize("name", ["secret", "dotdot", "link-out", "relative", "folder-itself"])
def test_anything_else_is_refused_with_the_folder_named(folders, name):
    uploads, secrets = folders
    given = {
        "secret": secrets / "pseudonym-key",
        "dotdot": f"{uploads}/../run/lab-secrets/pseudonym-key",
        "link-out": uploads / "link-out",
        "relative": "ok.jsonl",
        "folder-itself": uploads,
    }[name]
    with pytest.raises(OutsideUploads, match="is not in the upload folder") as caught:
        uploaded_files([given], uploads)
    assert str(uploads) in caught.value.message and "labctl run --source file --file" in caught.value.hint


def test_a_missing_or_directory_upload_is_refused(folders):
    uploads, _ = folders
    for given in (uploads / "gone.jsonl", uploads / "sub"):
        with pytest.raises(OutsideUploads, match="no such file in the upload folder"):
            uploaded_files([given], uploads)


def test_the_collect_task_refuses_before_writing_and_consumes_what_it_ingests(folders, tmp_path, monkeypatch):
    uploads, secrets = folders
    fs = LocalFileSystem(tmp_path / "lake")
    monkeypatch.setenv("LAB_UPLOAD_DIR", str(uploads))
    monkeypatch.setattr(steps.cluster, "lake", lambda user: fs)
    options = dict(source="file", instance="", timeline="public", limit=None, include_noindex=True, token=None)
    with pytest.raises(OutsideUploads):
        steps.collect(files=[str(uploads / "ok.jsonl"), str(secrets / "pseudonym-key")], **options)
    assert lake_lines(fs) == [] and (uploads / "ok.jsonl").exists()  # checked before anything is read
    timeline = uploads / "0a1b2c3d-timeline.jsonl"
    timeline.write_bytes(b"".join(json.dumps(s).encode() + b"\n" for s in make_timeline(20)))
    result = steps.collect(files=[str(timeline)], **options)
    assert len(lake_lines(fs)) == 20 and not timeline.exists()
    assert result["files"][0]["path"] == "0a1b2c3d" and result["files"][0]["written"] == 20


def test_uploads_left_behind_go_after_a_day(tmp_path):
    (tmp_path / "fresh.jsonl").write_bytes(b"")
    (tmp_path / "stale.jsonl").write_bytes(b"")
    old = time.time() - 25 * 3600
    os.utime(tmp_path / "stale.jsonl", (old, old))
    assert clean_uploads(tmp_path, older_than=24 * 3600, now=time.time()) == ["stale.jsonl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.jsonl"]
    assert clean_uploads(tmp_path / "absent", older_than=1, now=time.time()) == []
