"""`labctl query` and `labctl report` (labctl/commands/query.py) through Typer's CliRunner, on the fake HBase."""

from __future__ import annotations

import json

import pytest
from labctl.oracle.answers import expected_answer, pseudonymised
from typer.testing import CliRunner

import labctl.commands.query as query_command
from labctl.hbase import loader, reidentify, runs

runner = CliRunner()


@pytest.fixture
def lab(connection, pseudonymiser, generated_document, monkeypatch):
    loader.load_run(connection, "r1", generated_document, pseudonymiser)
    runs.publish_run(connection, "r1")
    monkeypatch.setattr(query_command, "connect", lambda: connection)
    monkeypatch.setattr(query_command, "_pseudonymiser", lambda: pseudonymiser)
    return connection


def invoke(*args: str):
    return runner.invoke(query_command.app, list(args), terminal_width=200)


@pytest.mark.parametrize(
    "name",
    ["top-tags", "engagement", "languages", "media", "user-growth", "totals", "top-mentions", "instances", "regions", "media-engagement"],
)
def test_json_is_the_contracts_part(lab, pseudonymiser, generated_document, name):
    result = invoke("query", name, "--json", "--limit", "7")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected_answer(pseudonymised(generated_document, pseudonymiser), name, 7)
    assert lab.closed


def test_languages_of_a_region(lab, pseudonymiser, generated_document):
    region = list(generated_document["regions"])[1]
    result = invoke("query", "languages", "--region", region.upper(), "--json", "--limit", "2")
    assert result.exit_code == 0, result.output
    expected = expected_answer(pseudonymised(generated_document, pseudonymiser), "languages", 2, region=region)
    assert json.loads(result.stdout) == expected
    table = invoke("query", "languages", "--region", region)
    assert table.exit_code == 0, table.output
    assert f"Languages of region {region} ({generated_document['regions'][region]:,} statuses)" in " ".join(table.stdout.split())
    top = next(iter(generated_document["language_by_region"][region]))
    assert any(line.split("│")[1].strip() == top for line in table.stdout.splitlines() if line.count("│") > 2)


def test_media_engagement_and_regions_as_tables(lab, generated_document):
    media = invoke("query", "media-engagement")
    assert media.exit_code == 0, media.output
    with_media = generated_document["media_engagement"]["with_media"]
    rows = [" ".join(line.replace("│", " ").split()) for line in media.stdout.splitlines()]
    assert f"with media {with_media['statuses']:,} {with_media['interactions']:,} {with_media['avg_interactions']:.4g}" in rows
    assert "Media engagement by attachment type" in media.stdout
    regions = invoke("query", "regions", "--limit", "2")
    shown = [" ".join(line.replace("│", " ").split()) for line in regions.stdout.splitlines()]
    top_two = [f"{region} {count:,}" for region, count in list(generated_document["regions"].items())[:2]]
    assert [row for row in shown if row.split(" ")[0] in generated_document["regions"]] == top_two


def test_limit_zero_lists_everything(lab, generated_document):
    result = invoke("query", "top-domains", "--json", "--limit", "0")
    assert json.loads(result.stdout) == {"domains": generated_document["domains"]}


def test_tables_show_the_top_rows(lab, generated_document):
    result = invoke("query", "top-tags", "--limit", "3")
    assert result.exit_code == 0, result.output
    tags = list(generated_document["tags"])
    assert all(tag in result.stdout for tag in tags[:3]) and tags[3] not in result.stdout


def test_user_by_handle(lab, pseudonymiser, generated_document):
    handle = next(iter(generated_document["followers"]))
    result = invoke("query", "user", handle, "--json")
    assert result.exit_code == 0, result.output
    followers = json.loads(result.stdout)["followers"]
    assert followers == {pseudonymiser.pseudonym(handle): generated_document["followers"][handle]}


def test_reveal_shows_handles_when_allowed(lab, generated_document, monkeypatch):
    monkeypatch.setattr(reidentify, "allowed_to_reveal", lambda: True)
    result = invoke("query", "top-users", "--json", "--limit", "3", "--reveal")
    assert result.exit_code == 0, result.output
    assert list(json.loads(result.stdout)["followers"]) == list(generated_document["followers"])[:3]


def test_reveal_is_refused_when_not_allowed(lab, monkeypatch):
    monkeypatch.setattr(reidentify, "allowed_to_reveal", lambda: False)
    result = invoke("query", "top-users", "--reveal")
    assert result.exit_code == 1 and "not allowed" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "top-cats"], "unknown query"),
        (["query", "user"], "needs a HANDLE"),
        (["query", "top-tags", "extra"], "takes no argument"),
        (["query", "top-tags", "--by", "rate"], "--by applies to the engagement"),
        (["query", "user", "nobody@nowhere.example"], "has no user"),
        (["query", "tag", "no-such-tag"], "has no tag"),
        (["query", "totals", "--run", "bad run"], "invalid run id"),
        (["query", "top-tags", "--region", "de"], "--region applies to the languages query only"),
        (["query", "languages", "--region", "deu"], "no such region"),
        (["query", "languages", "--region", "zz"], "has no statuses in region 'zz'"),
    ],
)
def test_bad_requests_fail_with_a_clear_message(lab, args, message):
    result = invoke(*args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_report_writes_a_page(lab, tmp_path):
    # The pipeline section asks Airflow: tests/hbase/test_report_pipeline.py covers it.
    result = invoke("report", "--out", str(tmp_path / "out"), "--no-pipeline")
    assert result.exit_code == 0, result.output
    page = tmp_path / "out" / "index.html"
    assert result.stdout.strip() == str(page)
    assert "<svg" in page.read_text(encoding="utf-8")


def test_nothing_published_is_reported_as_such(connection, monkeypatch):
    monkeypatch.setattr(query_command, "connect", lambda: connection)
    result = invoke("query", "totals")
    assert result.exit_code == 1 and "no published run" in result.stderr


def test_missing_tables_point_to_deploy(monkeypatch):
    from labctl.hbase.connection import HBaseIOError

    class NoTables:
        def table(self, name):
            raise HBaseIOError(message=f"org.apache.hadoop.hbase.TableNotFoundException: {name}\n\tat org.apache...".encode())

        def close(self):
            pass

    monkeypatch.setattr(query_command, "connect", NoTables)
    result = invoke("query", "top-tags")
    assert result.exit_code == 1
    assert "no table mastodon:runs" in result.stderr and "labctl deploy" in result.stderr
