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


def _job_client(monkeypatch, script: str) -> None:
    """Each step's `hadoop jar` replaced by a shell script: a real process, with its exit code and log."""
    monkeypatch.setattr(yarn, "streaming_argv", lambda job, number, **_: ["sh", "-c", script])


def test_a_step_the_job_client_fails_is_a_lab_error_with_its_command_and_log(client, monkeypatch):
    from labctl.core.errors import CommandError, LabError

    _job_client(monkeypatch, "echo 'Submitted application_1700000000000_0007' >&2; echo 'Streaming Command Failed!' >&2; exit 5")
    logged = []
    with pytest.raises(yarn.StepFailed) as raised:
        yarn.run_steps("/lake/raw/*", "/lake/work/run-1/jobs", log=logged.append)
    failure = raised.value
    assert isinstance(failure, CommandError) and isinstance(failure, LabError)
    assert failure.returncode == 5 and failure.argv[0] == "sh" and failure.step == yarn.load_job().steps[0].name
    assert "Streaming Command Failed!" in failure.details and "JobHistory" in failure.message
    assert any("application_1700000000000_0007" in line for line in logged)


def test_a_step_that_succeeds_gives_its_application_and_counters(client, monkeypatch):
    _job_client(monkeypatch, "printf 'Submitted application_1700000000000_0008\\n\\tMastodon\\n\\t\\trecords_read=42\\n' >&2")
    results = yarn.run_steps("/lake/raw/*", "/lake/work/run-1/jobs", log=lambda line: None)
    assert [r.application for r in results] == ["application_1700000000000_0008"] * len(results)
    assert all(r.counters["records_read"] == 42 for r in results)
