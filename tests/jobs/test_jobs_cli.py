"""`labctl jobs run-local` (labctl/commands/jobs.py), invoked through Typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import labctl.commands.jobs as jobs_command
from labctl.jobs.local import JobFailed
from status_factory import line, metrics, status

runner = CliRunner()


def write_statuses(path, records) -> list[bytes]:
    lines = [line(record) for record in records]
    path.write_bytes(b"".join(lines) + b"not json\n")
    return [*lines, b"not json\n"]


def test_json_output_is_the_metric_document(tmp_path):
    source = tmp_path / "statuses.jsonl"
    lines = write_statuses(source, [status(str(n), tags=[{"name": f"t{n % 3}"}], favourites_count=n) for n in range(12)])
    result = runner.invoke(jobs_command.app, ["run-local", "--input", str(source), "--json", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == metrics(lines)


def test_tables_show_the_top_ten(tmp_path):
    source = tmp_path / "statuses.jsonl"
    # tag k is used by k statuses: the two rarest are beyond the top 10.
    records = [status(f"{k}-{n}", tags=[{"name": f"zz-tag-{k:02d}"}]) for k in range(1, 13) for n in range(k)]
    write_statuses(source, records)
    result = runner.invoke(jobs_command.app, ["run-local", "-i", str(source), "--workers", "2"], terminal_width=200)
    assert result.exit_code == 0, result.output
    shown = [k for k in range(1, 13) if f"zz-tag-{k:02d}" in result.stdout]
    assert shown == list(range(3, 13))
    assert "10 of 12" in result.stdout
    assert "Totals" in result.stdout and "Engagement" in result.stdout


def test_missing_input_is_a_usage_error(tmp_path):
    result = runner.invoke(jobs_command.app, ["run-local", "--input", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_failed_job_exits_1_with_the_reason(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise JobFailed("dedup map 0: `python3 dedup.py map` exited with 1:\n[boom]")

    monkeypatch.setattr(jobs_command, "run_local", fail)
    source = tmp_path / "statuses.jsonl"
    source.write_bytes(b"")
    result = runner.invoke(jobs_command.app, ["run-local", "--input", str(source)])
    assert result.exit_code == 1
    assert "jobs failed" in result.stderr and "[boom]" in result.stderr


def test_json_stays_valid_utf8_with_a_lone_surrogate():
    doc = {"tags": {"a\ud800": 1}}
    text = jobs_command.dumps(doc)
    text.encode("utf-8")
    assert json.loads(text) == doc
    assert jobs_command.dumps({"tags": {"é": 1}}) == '{"tags": {"é": 1}}'


def test_tables_show_instances_regions_and_media_engagement(tmp_path):
    from status_factory import account

    source = tmp_path / "statuses.jsonl"
    german = account("ann@toot.example.de")
    write_statuses(source, [
        status("1", by=german, language="de", favourites_count=3, media_attachments=[{"type": "image"}]),
        status("2", by=german, language="de"),
        status("3", language="en"),
    ])
    result = runner.invoke(jobs_command.app, ["run-local", "-i", str(source), "--workers", "1"], terminal_width=200)
    assert result.exit_code == 0, result.output
    rows = [" ".join(row.replace("│", " ").split()) for row in result.stdout.splitlines()]
    assert "toot.example.de 2" in rows and "example.social 1" in rows
    assert "de 2 de 2" in rows and "generic 1 en 1" in rows  # region, statuses, its languages
    assert "with media 1 3 3" in rows and "without media 2 0 0" in rows and "image 1 3 3" in rows
