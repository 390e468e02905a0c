"""The GDPR register (docs/gdpr/register.md) against the code: its field table is the field
inventory rendered, `labctl gdpr register --check` catches a stale copy, and the retention it
states is the one the code applies."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labctl.commands import gdpr
from labctl.governance.inventory import FIELD_INVENTORY, FieldSpec, render_markdown
from labctl.lake.retention import DEFAULT_KEEP_DAYS

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ROOT / "docs" / "gdpr" / "register.md"
GDPR_README = ROOT / "docs" / "gdpr" / "README.md"
runner = CliRunner()


def generated_body(document: str, name: str) -> str:
    match = re.search(rf"<!-- BEGIN GENERATED {name}[^>]*-->\n(.*?)<!-- END GENERATED {name} -->", document, re.DOTALL)
    assert match, f"no generated section {name!r}"
    return match.group(1)


def test_the_register_table_is_the_field_inventory_rendered():
    document = REGISTER.read_text(encoding="utf-8")
    assert generated_body(document, "field-inventory") == render_markdown()
    assert gdpr.refresh(document) == document


def test_every_field_the_pipeline_receives_is_in_the_register():
    document = REGISTER.read_text(encoding="utf-8")
    for spec in FIELD_INVENTORY:
        assert f"| `{spec.path}` | {'yes' if spec.personal else 'no'} |" in document, spec.path


def test_a_new_personal_field_makes_the_register_stale(monkeypatch):
    """What happens when the inventory (and so the minimiser's keep-list) gains a field."""
    document = REGISTER.read_text(encoding="utf-8")
    wider = FIELD_INVENTORY + (FieldSpec("account.display_name_v2", True, "account profile", "a new need", True),)
    monkeypatch.setitem(gdpr.GENERATED, "field-inventory", lambda: render_markdown(wider))
    assert gdpr.refresh(document) != document
    assert "`account.display_name_v2`" in gdpr.refresh(document)


def test_the_register_has_every_item_of_article_30_1():
    headings = re.findall(r"^## \(([a-g])\)", REGISTER.read_text(encoding="utf-8"), re.MULTILINE)
    assert headings == list("abcdefg")


def test_the_retention_the_documents_state_is_the_code_s():
    from labctl.lake.retention import RETENTION_VARIABLE, keep_days_setting

    register, readme = REGISTER.read_text(encoding="utf-8"), GDPR_README.read_text(encoding="utf-8")
    dag = (ROOT / "dags" / "mastodon_pipeline.py").read_text(encoding="utf-8")
    # One setting: the DAG reads the Variable, and unset means the one default.
    assert RETENTION_VARIABLE == "raw_retention_days" and "Variable.get(RETENTION_VARIABLE, default=None)" in dag
    assert keep_days_setting(None) == DEFAULT_KEEP_DAYS == 30
    assert f"{DEFAULT_KEEP_DAYS} days from collection by default" in register
    assert "`raw_retention_days`" in register and "`raw_retention_days`" in readme
    schema = pytest.importorskip("labctl.hbase.schema")
    assert schema.PERSON_TTL_SECONDS == DEFAULT_KEEP_DAYS * 86400
    assert f"the same `raw_retention_days` ({DEFAULT_KEEP_DAYS} by default) days from the write of each cell" in register
    assert f"column-family TTL of `raw_retention_days` days ({DEFAULT_KEEP_DAYS} by default" in " ".join(readme.split())
    assert "HBase shell" not in readme, "the lab's images have no HBase shell: `labctl deploy` alters the TTL"
    ttl_families = {(spec.name, family.name) for spec, family in schema.person_families()}
    for table, family in ttl_families:
        assert f"`{table}`" in register, f"the register's retention table misses mastodon:{table} family {family}"


def test_register_prints_the_register():
    result = runner.invoke(gdpr.app, ["register"])
    assert result.exit_code == 0
    assert result.stdout == REGISTER.read_text(encoding="utf-8")


@pytest.fixture
def doc_copies(tmp_path, monkeypatch):
    copies = {}
    for name, path in (("REGISTER_DOC", REGISTER), ("ACCESS_DOC", ROOT / "docs" / "access.md")):
        copies[name] = tmp_path / path.name
        shutil.copy(path, copies[name])
        monkeypatch.setattr(gdpr, name, copies[name])
    return copies


def test_register_check_passes_on_the_documents_as_committed(doc_copies):
    assert runner.invoke(gdpr.app, ["register", "--check"]).exit_code == 0


def test_register_check_fails_on_a_stale_document_and_write_fixes_it(doc_copies):
    register = doc_copies["REGISTER_DOC"]
    pristine = register.read_text(encoding="utf-8")
    register.write_text(pristine.replace("| `account.acct` |", "| `account.handle` |"), encoding="utf-8")
    failed = runner.invoke(gdpr.app, ["register", "--check"])
    assert failed.exit_code == 1 and "out of date" in failed.stderr and "register.md" in failed.stderr
    assert runner.invoke(gdpr.app, ["register", "--write"]).exit_code == 0
    assert register.read_text(encoding="utf-8") == pristine
