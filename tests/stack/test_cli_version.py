"""`labctl version` reports every pin from the manifest and pyproject, nothing invented."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from labctl.cli import app
from labctl.core.manifest import Manifest


def test_version_json_reports_the_manifest_pins():
    result = CliRunner().invoke(app, ["version", "--json"])
    assert result.exit_code == 0, result.output
    versions = json.loads(result.output)
    manifest = Manifest()
    assert versions["hadoop_version"] == manifest["HADOOP_VERSION"]
    assert versions["hbase_version"] == manifest["HBASE_VERSION"]
    assert versions["airflow_version"] == manifest["AIRFLOW_VERSION"]
    assert versions["python:Mastodon.py"]


def test_version_markdown_prints_docs_versions_md_with_a_row_per_pin():
    from labctl.core.versions import VERSIONS_DOC, locked, HOST_LOCK

    result = CliRunner().invoke(app, ["version", "--markdown"])
    assert result.exit_code == 0
    assert result.output == VERSIONS_DOC.read_text()
    rows = [line for line in result.output.splitlines() if line.startswith("| ") and " | " in line]
    assert rows[0] == "| component | version |"
    assert f"| hadoop_version | {Manifest(environ={})['HADOOP_VERSION']} |" in rows
    assert sum(row.startswith("| locked:") for row in rows) == len(locked(HOST_LOCK))


def test_version_write_needs_markdown():
    result = CliRunner().invoke(app, ["version", "--write"])
    assert result.exit_code != 0
