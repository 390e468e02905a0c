"""The lab's access roles as data: what each may do, and how the lab enforces it.

One table drives the Airflow users (`airflow_users()`, the value of
AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS), names the HDFS user and groups of each role
(the groups of labctl/lake/permissions.py, which decide who reads the raw zone), and
answers `may_reveal`, the gate of re-identification. docs/access.md explains it to people.

Airflow 3's SimpleAuthManager has four fixed roles: `viewer` (read-only), `user` (viewer
plus editing and triggering DAGs), `op` (user plus connections, variables, pools) and
`admin` (everything). The Mastodon token is an Airflow Connection, so holding the token
and having Airflow's `op` or `admin` role go together.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from labctl.lake.permissions import ADMIN_USER, ADMINS_GROUP, ANALYSTS_GROUP, ENGINEER_USER, ENGINEERS_GROUP

AirflowRole = Literal["viewer", "user", "op", "admin"]


@dataclass(frozen=True)
class Role:
    name: str  # the lab's login for the role: Airflow username, and the HDFS user unless hdfs_user says otherwise
    title: str
    holds_token: bool  # may hold the Mastodon access token (reads the Airflow Connection)
    triggers_dags: bool
    reads_raw: bool  # the raw zone: handles, contents, everything ingested
    reads_curated: bool  # curated job outputs in HDFS
    queries_hbase: bool  # the pseudonymised metrics
    may_reveal: bool  # re-identification: handles instead of pseudonyms
    handles_erasure: bool  # runs `labctl gdpr forget` / `purge`
    airflow_role: AirflowRole
    hdfs_user: str
    hdfs_groups: tuple[str, ...]


ROLES: tuple[Role, ...] = (
    Role(
        name="admin", title="lab administrator",
        holds_token=True, triggers_dags=True, reads_raw=True, reads_curated=True, queries_hbase=True,
        may_reveal=True, handles_erasure=True,
        airflow_role="admin", hdfs_user=ADMIN_USER, hdfs_groups=(ADMINS_GROUP,),
    ),
    Role(
        # Engineers read the raw zone, where handles are in clear: refusing them --reveal
        # would protect nothing, so the rule follows the data they already see.
        name="engineer", title="data engineer",
        holds_token=True, triggers_dags=True, reads_raw=True, reads_curated=True, queries_hbase=True,
        may_reveal=True, handles_erasure=False,
        airflow_role="op", hdfs_user=ENGINEER_USER, hdfs_groups=(ENGINEERS_GROUP, ANALYSTS_GROUP),
    ),
    Role(
        name="analyst", title="analyst",
        holds_token=False, triggers_dags=False, reads_raw=False, reads_curated=True, queries_hbase=True,
        may_reveal=False, handles_erasure=False,
        airflow_role="viewer", hdfs_user="analyst", hdfs_groups=(ANALYSTS_GROUP,),
    ),
    Role(
        name="student", title="student or guest",
        holds_token=False, triggers_dags=False, reads_raw=False, reads_curated=False, queries_hbase=True,
        may_reveal=False, handles_erasure=False,
        airflow_role="viewer", hdfs_user="student", hdfs_groups=(),
    ),
)

ROLES_BY_NAME: dict[str, Role] = {role.name: role for role in ROLES}
# What people call the roles; each resolves to one entry of ROLES.
ALIASES: dict[str, str] = {
    "administrator": "admin",
    "lab-administrator": "admin",
    "data-engineer": "engineer",
    "guest": "student",
}


class UnknownRoleError(ValueError):
    pass


def role_named(name: str) -> Role:
    """The role called `name` (or one of its aliases, any case); a clear error otherwise."""
    key = name.strip().lower().replace(" ", "-").replace("_", "-")
    role = ROLES_BY_NAME.get(ALIASES.get(key, key))
    if role is None:
        known = ", ".join(sorted([*ROLES_BY_NAME, *ALIASES]))
        raise UnknownRoleError(f"unknown role {name!r}: the lab's roles are {known}")
    return role


def may_reveal(role: Role | str) -> bool:
    """Whether the role may see handles instead of pseudonyms (`labctl query --reveal`)."""
    return (role if isinstance(role, Role) else role_named(role)).may_reveal


ROLE_ENV = "LABCTL_ROLE"


def current_role(environ: Mapping[str, str] | None = None) -> Role:
    """The role labctl acts in: LABCTL_ROLE, by default the lab administrator (who ran
    `labctl up` and owns the lab's secrets). Setting a lesser role lets a teacher show what an
    analyst sees; it is a declaration, not a proof: the files' permissions are the control."""
    env = os.environ if environ is None else environ
    name = env.get(ROLE_ENV, "").strip()
    return role_named(name) if name else ROLES_BY_NAME["admin"]


def airflow_users(roles: Iterable[Role] = ROLES) -> str:
    """The AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS value: one `username:role` per lab role."""
    return ",".join(f"{role.name}:{role.airflow_role}" for role in roles)


def airflow_usernames(roles: Iterable[Role] = ROLES) -> tuple[str, ...]:
    """The users the Airflow password file needs an entry for."""
    return tuple(role.name for role in roles)


def _mark(flag: bool) -> str:
    return "yes" if flag else "no"


def render_markdown(roles: Iterable[Role] = ROLES) -> str:
    """The roles as the table docs/access.md embeds (the table is checked against this)."""
    lines = [
        "| Role | Lab login | Airflow role | HDFS user (groups) | Holds the Mastodon token | Triggers DAGs "
        "| Reads the raw zone | Reads curated data | Queries HBase | Re-identifies (`--reveal`) | Handles erasure |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for role in roles:
        groups = ", ".join(role.hdfs_groups) or "none"
        lines.append(
            f"| {role.title} | `{role.name}` | `{role.airflow_role}` | `{role.hdfs_user}` ({groups}) "
            f"| {_mark(role.holds_token)} | {_mark(role.triggers_dags)} | {_mark(role.reads_raw)} "
            f"| {_mark(role.reads_curated)} | {_mark(role.queries_hbase)} | {_mark(role.may_reveal)} "
            f"| {_mark(role.handles_erasure)} |"
        )
    return "\n".join(lines) + "\n"
