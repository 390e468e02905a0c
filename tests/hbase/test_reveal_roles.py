"""--reveal follows the documented roles: analysts and students see pseudonyms only."""

from __future__ import annotations

import pytest

from labctl.hbase import reidentify


@pytest.mark.parametrize(("role", "allowed"), [("admin", True), ("engineer", True), ("analyst", False), ("student", False)])
def test_only_roles_allowed_to_reidentify_may_reveal(monkeypatch, tmp_path, role, allowed):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "pseudonym-key").write_text("k" * 64)
    monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("LABCTL_ROLE", role)
    assert reidentify.allowed_to_reveal() is allowed
