"""docs/data-lake.md states what the code does: the glob, the manifest fields, the zones."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from labctl.lake.batches import Manifest
from labctl.lake.layout import LakeLayout
from labctl.lake.permissions import zone_access

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-lake.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_doc_gives_the_glob_jobs_use(doc):
    assert LakeLayout().raw_glob() in doc


def test_the_doc_describes_every_manifest_field(doc):
    missing = [f.name for f in dataclasses.fields(Manifest) if f"`{f.name}`" not in doc]
    assert not missing, f"docs/data-lake.md does not describe manifest fields {missing}"


def test_the_doc_permission_table_matches_the_code(doc):
    for zone in zone_access():
        row = f"| {zone.zone} | `{zone.path}` | {zone.owner}:{zone.group} | {zone.mode_octal} |"
        assert row in doc, f"docs/data-lake.md lacks or misstates: {row}"


def test_the_doc_names_every_kept_field(doc):
    from labctl.governance.inventory import kept_paths

    section = doc.split("## Governance at ingestion", 1)[1].split("\n## ", 1)[0]
    missing = [p for p in kept_paths() if p.split(".")[-1].removesuffix("[]") not in section]
    assert not missing, f"docs/data-lake.md's minimisation section omits {missing}"
