"""`labctl gdpr forget | purge | erasures` through Typer, on a local lake."""

from __future__ import annotations

import json

import pytest
import scenario
from lakeview import lake_lines
from scenario import parsed
from typer.testing import CliRunner

from labctl.collect.files import ingest_files
from labctl.commands import gdpr
from labctl.governance.pseudonym import Pseudonymiser
from labctl.lake.fs import LocalFileSystem
from labctl.lake.layout import LakeLayout

runner = CliRunner()
LAYOUT = LakeLayout()
STATUSES = scenario.build()
KEY = "0123456789abcdef" * 4


@pytest.fixture
def lake(tmp_path):
    fs = LocalFileSystem(tmp_path / "lake")
    ingest_files([scenario.write_input(STATUSES, tmp_path / "in.jsonl.gz")], fs, LAYOUT, batch_size=50,
                 include_noindex=True)
    key_file = tmp_path / "pseudonym-key"
    key_file.write_text(KEY + "\n")
    return fs, ["--lake", str(tmp_path / "lake"), "--key-file", str(key_file)]


def lake_only(options: list[str]) -> list[str]:
    return options[:2]


def test_forget_erases_and_the_log_lists_it(lake):
    fs, options = lake
    result = runner.invoke(gdpr.app, ["forget", "@User7@replay.example", "--no-hbase", "--reason", "ticket 7",
                                      "--actor", "dpo", "--json", *options])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    pseudonym = Pseudonymiser(KEY.encode()).pseudonym(scenario.HANDLE)
    assert report["ok"] and report["subject"] == {"pseudonym": pseudonym} and report["hbase"] == "skipped"
    assert report["counts"]["authored_removed"] > 0
    assert not scenario.TRACE.search(b"".join(lake_lines(fs)).decode("utf-8", "replace"))
    listed = runner.invoke(gdpr.app, ["erasures", "--json", *lake_only(options)])
    [record] = json.loads(listed.stdout)
    assert (record["actor"], record["reason"], record["subject"]["pseudonym"]) == ("dpo", "ticket 7", pseudonym)
    table = runner.invoke(gdpr.app, ["erasures", *lake_only(options)], env={"COLUMNS": "250"})
    assert table.exit_code == 0 and pseudonym in table.stdout and "user7" not in table.stdout


def test_forget_uses_hbase_unless_told_not_to(lake, monkeypatch):
    fs, options = lake
    calls = []
    monkeypatch.setattr(gdpr, "lab_hbase_forget", lambda: lambda pseudonym, naming: calls.append(pseudonym) or 4)
    result = runner.invoke(gdpr.app, ["forget", scenario.HANDLE, *options])
    assert result.exit_code == 0, result.output
    assert calls == [Pseudonymiser(KEY.encode()).pseudonym(scenario.HANDLE)]
    assert "HBase: rows deleted (4 rows)" in result.stdout


def test_an_hbase_failure_exits_1_with_what_to_do(lake, monkeypatch):
    fs, options = lake

    def down(pseudonym, naming):
        raise ConnectionRefusedError("no thrift")

    monkeypatch.setattr(gdpr, "lab_hbase_forget", lambda: down)
    result = runner.invoke(gdpr.app, ["forget", scenario.HANDLE, *options])
    assert result.exit_code == 1
    assert "run the same command again" in result.stderr


def test_dry_run_changes_nothing(lake):
    fs, options = lake
    before = sorted(lake_lines(fs))
    result = runner.invoke(gdpr.app, ["forget", scenario.HANDLE, "--dry-run", *options])
    assert result.exit_code == 0 and "would change" in result.stdout
    assert sorted(lake_lines(fs)) == before


@pytest.mark.parametrize("handle", ["user7", "https://replay.example/@user7"])
def test_a_bad_handle_is_a_clear_error(lake, handle):
    _, options = lake
    result = runner.invoke(gdpr.app, ["forget", handle, "--no-hbase", *options])
    assert result.exit_code == 1
    assert "not a full handle" in result.stderr and "user@host" in result.stderr


def test_a_missing_key_is_a_clear_error(lake, tmp_path):
    _, options = lake
    result = runner.invoke(gdpr.app, ["forget", scenario.HANDLE, "--no-hbase", *lake_only(options),
                                      "--key-file", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "cannot read the pseudonymisation key" in result.stderr


def test_purge_by_id(lake):
    fs, options = lake
    victim = next(s for s in STATUSES if s.get("reblog") is None and not scenario.is_removed(s))
    result = runner.invoke(gdpr.app, ["purge", victim["id"], "--json", *lake_only(options)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["statuses_removed"] == 1
    assert victim["id"] not in {status["id"] for status in parsed(lake_lines(fs))}
