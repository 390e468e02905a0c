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


def test_version_markdown_is_a_table():
    result = CliRunner().invoke(app, ["version", "--markdown"])
    assert result.exit_code == 0
    assert result.output.startswith("| component | version |")
