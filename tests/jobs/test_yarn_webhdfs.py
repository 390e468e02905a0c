"""What run_jobs reads and replaces in HDFS goes through WebHDFS, not an `hdfs dfs` JVM each."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lake"))

from fakehdfs import FakeHdfsClient  # noqa: E402

from labctl.lake.fs import WebHdfsFileSystem  # noqa: E402
from labctl.pipeline import yarn  # noqa: E402


@pytest.fixture
def client(monkeypatch) -> FakeHdfsClient:
    fake = FakeHdfsClient()
    monkeypatch.setattr(yarn, "_lake", lambda user=yarn.ETL_USER: WebHdfsFileSystem(fake))
    return fake


def test_input_size_is_what_lies_under_the_globs_fixed_folder(client):
    client.write("/lake/raw/mastodon/instance=a/timeline=public/dt=2026-12-01/hour=03/b1.jsonl.gz", b"x" * 100)
    client.write("/lake/raw/mastodon/instance=b/timeline=public/dt=2026-12-01/hour=04/b2.jsonl.gz", b"y" * 50)
    client.write("/lake/work/run-1/other", b"z" * 1000)
    assert yarn.input_bytes("/lake/raw/mastodon/instance=*/timeline=*/dt=*/hour=*/*.jsonl.gz") == 150
    assert yarn.input_bytes("/lake/nothing/here/*") == 0


def test_output_is_every_line_of_every_part_in_order(client):
    client.write("/out/step-2/part-00001", b"c\td\n")
    client.write("/out/step-2/part-00000", b"a\tb\n\n")
    client.write("/out/step-2/_SUCCESS", b"")
    assert yarn.read_output("/out/step-2") == [b"a\tb", b"c\td"]


def test_a_step_without_output_is_an_error_not_an_empty_result(client):
    client.makedirs("/out/step-1")
    with pytest.raises(FileNotFoundError, match="/out/step-1"):
        yarn.read_output("/out/step-1")
