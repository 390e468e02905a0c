"""docs/operations.md and the other governance documents name things that exist: the DAG's
parameters and Variables, the lab's settings, files; and the storage figure is measured."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from labctl.collect.files import ingest_files
from labctl.core.manifest import Manifest
from labctl.lake.fs import LocalFileSystem, walk_files
from labctl.lake.layout import LakeLayout

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
DAG = (ROOT / "dags" / "mastodon_pipeline.py").read_text(encoding="utf-8")
DOCS = ("docs/operations.md", "docs/access.md", "docs/gdpr/README.md", "docs/gdpr/register.md")


def dag_params() -> set[str]:
    for node in ast.walk(ast.parse(DAG)):
        if isinstance(node, ast.keyword) and node.arg == "params" and isinstance(node.value, ast.Dict):
            return {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
    raise AssertionError("no params={...} in the DAG")


def test_the_parameters_the_doc_names_are_the_dag_s():
    params = dag_params()
    for name in ("source", "instance", "timeline", "limit", "include_noindex", "files"):
        assert name in params and f"`{name}`" in OPERATIONS, name


def test_the_variables_the_doc_names_are_read_by_the_dag():
    from labctl.lake.retention import RETENTION_VARIABLE
    from labctl.pipeline.feeds import VARIABLE

    named = set(re.findall(r"`(pipeline_\w+)`", OPERATIONS)) | set(re.findall(r"`(raw_retention_days)`", OPERATIONS))
    assert named == {VARIABLE, RETENTION_VARIABLE}
    assert f'FEEDS_VARIABLE = "{VARIABLE}"' in DAG and "Variable.get(FEEDS_VARIABLE" in DAG
    assert "Variable.get(RETENTION_VARIABLE" in DAG


def test_the_settings_the_doc_names_are_the_lab_s():
    manifest = Manifest()
    assert manifest["PIPELINE_SCHEDULE"] in OPERATIONS and "MASTODON_PIPELINE_SCHEDULE" in DAG
    assert f"{manifest['ALERT_SINK_PORT']}" in OPERATIONS and "`ALERT_SINK_PORT`" in OPERATIONS
    assert f"127.0.0.1:{manifest['NAMENODE_UI_PORT']}" in OPERATIONS
    assert f"127.0.0.1:{manifest['HBASE_MASTER_UI_PORT']}" in OPERATIONS
    assert "on_failure_callback" in DAG and "LabWebhookNotifier" in DAG


def test_files_the_documents_point_to_exist():
    for doc in DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        for path in set(re.findall(r"\b((?:labctl|docs|dags|stack|jobs)/[\w/.-]+\.(?:py|md|env|yml)|stack/images/jvm/Dockerfile)", text)):
            assert (ROOT / path).exists(), f"{doc} points to {path}, which does not exist"


def test_the_storage_figure_is_what_ingestion_of_the_recording_takes(tmp_path):
    fs = LocalFileSystem(tmp_path)
    results = ingest_files(sorted((ROOT / "seed_data" / "recordings").iterdir()), fs, LakeLayout())
    written = sum(result.written for result in results)
    stored = sum(e.size for e in walk_files(fs, LakeLayout().raw_source) if e.name.endswith(".jsonl.gz"))
    assert f"the {written:,} statuses of the shipped recording take {stored / 1e6:.1f} MB" in OPERATIONS
    per_status = re.search(r"about (\d+) bytes per status", OPERATIONS)
    assert per_status and abs(stored / written - int(per_status.group(1))) < 0.1 * int(per_status.group(1))
