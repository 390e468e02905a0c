"""The tables of the `mastodon` namespace, as data, and `ensure_schema` that creates them.

Every choice below is explained in docs/hbase-schema.md. Tables are created through Thrift
(happybase), which sets versions, compression, bloom filter, TTL and block cache per family;
the namespace, the data block encodings and the pre-splits go through the Java admin
(admin.py), because Thrift v1 has no call for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from labctl.hbase import keys
from labctl.hbase.admin import ContainerAdmin, SchemaAdmin
from labctl.lake.retention import DEFAULT_KEEP_DAYS, SECONDS_PER_DAY

NAMESPACE = "mastodon"


def person_ttl_seconds(keep_days: int) -> int:
    """Per-person cells live as long as the raw statuses they come from: the lake's retention
    (`raw_retention_days`, labctl/lake/retention.py) in seconds."""
    if keep_days < 1:
        raise ValueError(f"an HBase TTL needs a retention of at least 1 day, got {keep_days}")
    return keep_days * SECONDS_PER_DAY


# The TTL of the default retention; `tables(keep_days)` gives the schema of any other.
PERSON_TTL_SECONDS = person_ttl_seconds(DEFAULT_KEEP_DAYS)
# What Thrift reports for a family without TTL (HConstants.FOREVER).
FOREVER = 2**31 - 1

# Sections of the rank table. The person ones (keyed by pseudonym) and the instances (a
# server may be one person's) are in family `p`, with the TTL; the others in `c`.
PERSON_SECTIONS = ("followers", "engagement", "engagement_rate", "mentions")
EXPIRING_SECTIONS = ("instances",)
AGGREGATE_SECTIONS = (
    "totals", "user_growth", "urls", "domains", "languages", "media_types", "tags", "emojis",
    "regions", "language_by_region", "media_engagement", "media_engagement_by_type",
)  # fmt: skip
RANK_SECTIONS = PERSON_SECTIONS + EXPIRING_SECTIONS + AGGREGATE_SECTIONS
TERM_SECTIONS = ("urls", "domains", "languages", "media_types", "tags", "emojis", "regions")


def rank_column(section: str) -> bytes:
    """The cell a rank row of `section` is written in: `p:v` where the TTL applies, else `c:v`."""
    if section not in RANK_SECTIONS:
        raise ValueError(f"no rank section {section!r}")
    return b"p:v" if section in PERSON_SECTIONS + EXPIRING_SECTIONS else b"c:v"


@dataclass(frozen=True)
class Family:
    name: str
    compression: str = "ZSTD"
    bloom: str = "ROW"
    ttl: int | None = None  # set on exactly the families holding per-person data
    block_cache: bool = True
    in_memory: bool = False
    max_versions: int = 1
    # Not settable through Thrift v1: applied by the admin, absent from Thrift's description.
    encoding: str = "FAST_DIFF"

    def thrift_options(self) -> dict[str, Any]:
        """happybase create_table options. Thrift's ColumnDescriptor defaults the block cache to
        off, unlike HBase, so every option is always given."""
        options: dict[str, Any] = {
            "max_versions": self.max_versions,
            "compression": self.compression,
            "bloom_filter_type": self.bloom,
            "block_cache_enabled": self.block_cache,
            "in_memory": self.in_memory,
        }
        if self.ttl is not None:
            options["time_to_live"] = self.ttl
        return options

    def expected_description(self) -> dict[str, Any]:
        """What happybase's `families()` reports for this family once created."""
        return {
            "max_versions": self.max_versions,
            "compression": self.compression.encode(),
            "bloom_filter_type": self.bloom.encode(),
            "block_cache_enabled": self.block_cache,
            "in_memory": self.in_memory,
            "time_to_live": FOREVER if self.ttl is None else self.ttl,
        }


@dataclass(frozen=True)
class TableSpec:
    name: str
    families: tuple[Family, ...]
    splits: tuple[bytes, ...] = field(default=())

    def full_name(self, namespace: str = NAMESPACE) -> str:
        return f"{namespace}:{self.name}"


def _section_splits() -> tuple[bytes, ...]:
    """One region per section of the rank table."""
    prefixes = sorted(f"{section}{keys.SEP}".encode() for section in RANK_SECTIONS)
    return tuple(prefixes[1:])


RUNS = TableSpec(
    "runs",
    # A few hundred bytes per run, read by every query: kept in memory, not worth compressing.
    (Family("r", compression="NONE", in_memory=True, encoding="NONE"),),
)
RANK = TableSpec(
    "rank",
    (
        Family("c"),
        # Only ever scanned (top-N, forgetting an account): a bloom filter would never be read.
        Family("p", bloom="NONE", ttl=PERSON_TTL_SECONDS),
    ),
    _section_splits(),
)
ACCOUNTS = TableSpec("accounts", (Family("p", ttl=PERSON_TTL_SECONDS),), tuple(keys.salt_splits()))
TERMS = TableSpec("terms", (Family("c"),), tuple(keys.salt_splits()))
REID = TableSpec(
    "reid",
    # Read only by `--reveal`: its blocks are not worth a place in the block cache.
    (Family("h", ttl=PERSON_TTL_SECONDS, block_cache=False, encoding="NONE"),),
    tuple(f"u_{digit:x}".encode() for digit in range(1, 16)),
)
TABLES = (RUNS, RANK, ACCOUNTS, TERMS, REID)


def tables(keep_days: int = DEFAULT_KEEP_DAYS) -> tuple[TableSpec, ...]:
    """The schema for a retention of `keep_days`: the per-person families' TTL follows it."""
    ttl = person_ttl_seconds(keep_days)
    return tuple(
        replace(spec, families=tuple(replace(f, ttl=ttl) if f.ttl is not None else f for f in spec.families))
        for spec in TABLES
    )


def person_families(specs: tuple[TableSpec, ...] = TABLES) -> list[tuple[TableSpec, Family]]:
    return [(spec, family) for spec in specs for family in spec.families if family.ttl is not None]


class SchemaError(RuntimeError):
    """The tables in HBase are not the documented ones (or cannot be made so)."""


def table_name(spec: TableSpec, namespace: str = NAMESPACE) -> str:
    return spec.full_name(namespace)


def existing_tables(connection, namespace: str = NAMESPACE) -> set[str]:
    prefix = f"{namespace}:"
    return {name.decode() for name in connection.tables() if name.decode().startswith(prefix)}


def shape_operation(spec: TableSpec, namespace: str) -> list[str]:
    """The admin operation giving a table its data block encodings and pre-splits."""
    return [
        "shape",
        spec.full_name(namespace),
        *(f"{family.name}={family.encoding}" for family in spec.families),
        *(split.hex() for split in spec.splits),
    ]


def describe(connection, namespace: str = NAMESPACE) -> dict[str, dict[str, dict[str, Any]]]:
    """Thrift's view of every table: {table: {family: options}}."""
    found = {}
    for spec in TABLES:
        families = connection.table(spec.full_name(namespace)).families()
        found[spec.name] = {name.decode(): options for name, options in families.items()}
    return found


def ttl_operation(spec: TableSpec, namespace: str) -> list[str] | None:
    """The admin operation setting the TTL of a table's per-person families (None: it has none)."""
    families = [f"{family.name}={family.ttl}" for family in spec.families if family.ttl is not None]
    return ["ttl", spec.full_name(namespace), *families] if families else None


def mismatches(described: dict[str, dict[str, dict[str, Any]]], specs: tuple[TableSpec, ...] = TABLES) -> list[str]:
    """Differences between Thrift's description and the specs, one line each."""
    problems = []
    for spec in specs:
        families = described.get(spec.name, {})
        for family in spec.families:
            actual = families.get(family.name)
            if actual is None:
                problems.append(f"{spec.name}: family {family.name!r} is missing")
                continue
            for option, wanted in family.expected_description().items():
                if actual.get(option) != wanted:
                    problems.append(f"{spec.name}:{family.name} {option} is {actual.get(option)!r}, expected {wanted!r}")
        extra = set(families) - {family.name for family in spec.families}
        if extra:
            problems.append(f"{spec.name}: unexpected families {sorted(extra)}")
    return problems


def ensure_schema(
    connection,
    *,
    namespace: str = NAMESPACE,
    admin: SchemaAdmin | None = None,
    keep_days: int = DEFAULT_KEEP_DAYS,
) -> list[str]:
    """Create what is missing (namespace, tables, encodings, splits), give the per-person
    families the TTL of a `keep_days` retention, then check every family.

    Idempotent: an existing table keeps its rows; its encodings and per-person TTL are set to
    the documented ones (the retention is a setting that changes), and any other difference
    raises SchemaError rather than being silently altered. Returns the tables created.
    `admin` defaults to the lab's (docker exec into hbase-master).
    """
    specs = tables(keep_days)
    admin = admin or ContainerAdmin()
    present = existing_tables(connection, namespace)
    # Each admin call is a JVM (about 2 s): a namespace that holds every table exists already.
    if any(spec.full_name(namespace) not in present for spec in specs):
        admin.run(["namespace", namespace])
    created = []
    for spec in specs:
        name = spec.full_name(namespace)
        if name not in present:
            connection.create_table(name, {family.name: family.thrift_options() for family in spec.families})
            created.append(name)
    # Shaping a table that already has rows only sets encodings; splits apply to new tables.
    ttls = [operation for operation in (ttl_operation(spec, namespace) for spec in specs) if operation]
    admin.run(*(shape_operation(spec, namespace) for spec in specs), *ttls)
    problems = mismatches(describe(connection, namespace), specs)
    if problems:
        raise SchemaError(f"HBase tables differ from the documented schema ({namespace}): " + "; ".join(problems))
    return created


def person_ttls(connection, namespace: str = NAMESPACE) -> dict[str, int]:
    """The TTL HBase applies to each per-person family, `table:family` -> seconds (Thrift's view)."""
    found = {}
    for spec, family in person_families():
        described = connection.table(spec.full_name(namespace)).families().get(family.name.encode(), {})
        found[f"{spec.name}:{family.name}"] = described.get("time_to_live")
    return found


def drop_namespace(namespace: str, *, admin: SchemaAdmin | None = None) -> None:
    """Delete a namespace and all its tables (test namespaces; never the lab's own by accident)."""
    if namespace == NAMESPACE:
        raise ValueError(f"refusing to drop the lab's namespace {NAMESPACE!r}")
    (admin or ContainerAdmin()).run(["drop-namespace", namespace])
