"""Ownership and permissions per zone, as data: the lead's provisioning applies them on HDFS.

Roles map to HDFS users and groups (simple authentication: the namenode resolves groups):
- `collector`: the service user that collects and ingests (labctl seed, the DAG's collect
  task); the only writer of raw data and of the state area.
- `etl`: the service user the MapReduce jobs run as; reads raw, writes the work area (the jobs'
  outputs, handles in clear), curated data (pseudonymised) and quarantine.
- group `data-engineers`: may read raw, work, quarantine and state (debugging ingestion).
- group `analysts`: may read curated data only, where accounts are pseudonyms. Data engineers
  are members of it too.
- students and guests get no HDFS access: they query pseudonymised metrics in HBase.
"""

from __future__ import annotations

from dataclasses import dataclass

from labctl.lake.layout import LakeLayout

COLLECTOR_USER = "collector"
ETL_USER = "etl"
ENGINEER_USER = "engineer"  # a data engineer's login: reads every zone (`labctl lake` shows them as it)
ADMIN_USER = "hadoop"  # the user the NameNode runs as: the HDFS superuser
ENGINEERS_GROUP = "data-engineers"
ANALYSTS_GROUP = "analysts"
ADMINS_GROUP = "hadoop"  # dfs.permissions.superusergroup in the lab


@dataclass(frozen=True)
class ZoneAccess:
    zone: str
    path: str
    owner: str
    group: str
    mode: int
    readers: str
    writers: str

    @property
    def mode_octal(self) -> str:
        return f"{self.mode:04o}"


def zone_access(layout: LakeLayout = LakeLayout()) -> tuple[ZoneAccess, ...]:
    return (
        ZoneAccess("root", layout.root, ADMIN_USER, ADMINS_GROUP, 0o755,
                   "everyone may traverse", "lab administrators"),
        ZoneAccess("raw", layout.raw_zone, COLLECTOR_USER, ENGINEERS_GROUP, 0o750,
                   "collector, data engineers, etl (member of data-engineers)", "collector only"),
        # The jobs' outputs name accounts by handle: the people who may read raw data only.
        ZoneAccess("work", layout.work_zone, ETL_USER, ENGINEERS_GROUP, 0o750,
                   "etl, data engineers", "etl only"),
        ZoneAccess("curated", layout.curated_zone, ETL_USER, ANALYSTS_GROUP, 0o750,
                   "analysts and data engineers", "etl only"),
        ZoneAccess("quarantine", layout.quarantine_zone, ETL_USER, ENGINEERS_GROUP, 0o750,
                   "data engineers", "etl only"),
        ZoneAccess("state", layout.state_zone, COLLECTOR_USER, ENGINEERS_GROUP, 0o750,
                   "data engineers", "collector only"),
        # Engineers may list leftovers of failed writes (`labctl lake` reports them).
        ZoneAccess("tmp", layout.tmp_zone, COLLECTOR_USER, ENGINEERS_GROUP, 0o750,
                   "collector, data engineers", "collector only"),
    )


def hdfs_commands(layout: LakeLayout = LakeLayout()) -> list[list[str]]:
    """`hdfs dfs` argv lists that create the zones and apply the table above (run as hdfs)."""
    commands: list[list[str]] = []
    for access in zone_access(layout):
        commands.append(["hdfs", "dfs", "-mkdir", "-p", access.path])
        commands.append(["hdfs", "dfs", "-chown", f"{access.owner}:{access.group}", access.path])
        commands.append(["hdfs", "dfs", "-chmod", access.mode_octal, access.path])
    return commands


# Where the jobs wrote before the work area existed: under curated, handles in clear.
LEGACY_JOBS_DATASET = "jobs"


def apply_zone_access(client, layout: LakeLayout = LakeLayout()) -> list[ZoneAccess]:
    """Create the zones and apply owners and modes through WebHDFS, in one process.

    `client` is an `hdfs.InsecureClient` acting as the HDFS superuser; idempotent.
    """
    for access in zone_access(layout):
        client.makedirs(access.path)
        client.set_owner(access.path, owner=access.owner, group=access.group)
        client.set_permission(access.path, permission=access.mode_octal)
    remove_legacy_job_outputs(client, layout)
    return list(zone_access(layout))


def remove_legacy_job_outputs(client, layout: LakeLayout = LakeLayout()) -> list[str]:
    """Delete `curated/<run>/jobs`, the job outputs of runs made before the work area existed:
    they name accounts in clear where analysts read. They are derived data; clearing the run
    in Airflow computes them again, into the work area. Returns the directories deleted."""
    if client.status(layout.curated_zone, strict=False) is None:
        return []
    deleted = []
    for run, info in client.list(layout.curated_zone, status=True):
        path = f"{layout.curated_zone}/{run}/{LEGACY_JOBS_DATASET}"
        if info.get("type") == "DIRECTORY" and client.status(path, strict=False) is not None:
            client.delete(path, recursive=True)
            deleted.append(path)
    return deleted
