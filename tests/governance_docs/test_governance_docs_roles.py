"""The roles (labctl/governance/roles.py) against what enforces them: Airflow's role
semantics, the lake's HDFS permissions, the lab's OS accounts; and docs/access.md against both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labctl.collect.access import REQUIRED_SCOPES, SEARCH_SCOPE
from labctl.collect.token import TOKEN_ENV, TOKEN_FILE_ENV
from labctl.commands import gdpr
from labctl.governance import roles
from labctl.lake.permissions import ADMIN_USER, ADMINS_GROUP, zone_access

ROOT = Path(__file__).resolve().parents[2]
ACCESS = ROOT / "docs" / "access.md"

# Airflow 3's SimpleAuthManager, as its documentation states it (not taken from labctl):
# viewer reads; user also edits and triggers DAGs; op also manages connections and variables.
AIRFLOW_RIGHTS = {
    "viewer": set(),
    "user": {"trigger"},
    "op": {"trigger", "connections", "variables"},
    "admin": {"trigger", "connections", "variables", "everything"},
}


def test_airflow_users_is_one_username_role_pair_per_lab_role():
    pairs = [pair.split(":") for pair in roles.airflow_users().split(",")]
    assert [name for name, _ in pairs] == list(roles.airflow_usernames()) == [r.name for r in roles.ROLES]
    assert all(role in AIRFLOW_RIGHTS for _, role in pairs)
    assert len({name for name, _ in pairs}) == len(pairs)
    assert roles.airflow_users() == "admin:admin,engineer:op,analyst:viewer,student:viewer"


@pytest.mark.parametrize("role", roles.ROLES, ids=lambda r: r.name)
def test_airflow_role_gives_exactly_the_documented_rights(role):
    rights = AIRFLOW_RIGHTS[role.airflow_role]
    assert role.triggers_dags == ("trigger" in rights)
    # The token is the Airflow Connection mastodon_default: holding it is reading connections.
    assert role.holds_token == ("connections" in rights)


def can_read(path_zone: str, user: str, groups: tuple[str, ...]) -> bool:
    """POSIX-style check against the zone table, the way the NameNode decides."""
    if user == ADMIN_USER or ADMINS_GROUP in groups:
        return True  # the HDFS superuser
    access = {a.zone: a for a in zone_access()}[path_zone]
    if user == access.owner:
        return bool(access.mode & 0o400)
    if access.group in groups:
        return bool(access.mode & 0o040)
    return bool(access.mode & 0o004)


@pytest.mark.parametrize("role", roles.ROLES, ids=lambda r: r.name)
def test_hdfs_permissions_give_each_role_exactly_its_zones(role):
    assert can_read("raw", role.hdfs_user, role.hdfs_groups) == role.reads_raw
    assert can_read("curated", role.hdfs_user, role.hdfs_groups) == role.reads_curated


def dockerfile_accounts() -> dict[str, set[str]]:
    """User -> groups, from the `useradd` lines of the image the NameNode runs in."""
    text = (ROOT / "stack" / "images" / "jvm" / "Dockerfile").read_text(encoding="utf-8")
    accounts = {}
    for line in text.splitlines():
        if "useradd" not in line:
            continue
        words = [w for w in line.split("useradd", 1)[1].split() if w not in ("\\", "&&")]
        groups: set[str] = set()
        for flag, value in zip(words, words[1:]):
            if flag in ("-G", "--groups"):
                groups |= set(value.split(","))
            if flag in ("-g", "--gid"):
                groups.add(value)
        accounts[words[-1]] = groups
    return accounts


@pytest.mark.parametrize("role", roles.ROLES, ids=lambda r: r.name)
def test_each_role_s_hdfs_user_exists_with_its_groups(role):
    accounts = dockerfile_accounts()
    assert role.hdfs_user in accounts, f"no OS account {role.hdfs_user} on the NameNode's image"
    assert set(role.hdfs_groups) <= accounts[role.hdfs_user]
    # Nobody is in a group that would give more than the role's table says.
    assert accounts[role.hdfs_user] - set(role.hdfs_groups) <= {role.hdfs_user}


def test_only_roles_that_see_handles_anyway_may_reveal():
    for role in roles.ROLES:
        assert not role.may_reveal or role.reads_raw, role.name
    assert roles.may_reveal("admin") and roles.may_reveal("Data Engineer")
    assert not roles.may_reveal("analyst") and not roles.may_reveal("guest")


def test_unknown_roles_are_a_clear_error():
    with pytest.raises(roles.UnknownRoleError, match="the lab's roles are .*analyst"):
        roles.role_named("intern")


def test_current_role_comes_from_the_environment():
    assert roles.current_role({}).name == "admin"
    assert roles.current_role({"LABCTL_ROLE": "guest"}).name == "student"
    with pytest.raises(roles.UnknownRoleError):
        roles.current_role({"LABCTL_ROLE": "root"})


def test_access_doc_roles_table_is_the_code_rendered():
    document = ACCESS.read_text(encoding="utf-8")
    assert "roles" in gdpr.generated_sections(document)
    assert gdpr.refresh(document) == document


def test_access_doc_names_the_token_s_real_scopes_and_places():
    document = ACCESS.read_text(encoding="utf-8")
    dag = (ROOT / "dags" / "mastodon_pipeline.py").read_text(encoding="utf-8")
    for name in (*REQUIRED_SCOPES, SEARCH_SCOPE, TOKEN_ENV, TOKEN_FILE_ENV):
        assert f"`{name}`" in document, name
    connection = re.search(r'get_connection\("(\w+)"\)\.password', dag)
    assert connection and f"`{connection.group(1)}`" in document and "**Password** field" in document
    assert roles.airflow_users() in document
