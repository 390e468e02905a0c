"""The analysis questions, answered from HBase with the metric contract's field names.

Every answer has the shape of the matching part of the metric document (docs/metrics.md),
in the contract's order, read from the latest published run (or the one given):

    query(connection, "top-tags", 10)   -> {"tags": {"rust": 12, ...}}          a scan of <= 10 rows
    query(connection, "languages", 10, region="de")  -> a region's languages: a scan of <= 10 rows and one get
    account(connection, "u_0123...")    -> {"followers": {...}, "engagement": {...}, "mentions": {...}}  one get
    lookup(connection, "tag", "rust")   -> {"tags": {"rust": 12}}                one get

Account handles are pseudonyms; `labctl.hbase.reveal` maps them back for those allowed to.
A `ScanMeter` records every scan and get, so a test can check how many rows a query read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from labctl.governance.pseudonym import Pseudonymiser, is_pseudonym
from labctl.hbase import keys
from labctl.hbase.runs import latest_run
from labctl.hbase.schema import ACCOUNTS, NAMESPACE, RANK, TERMS, TableSpec

DEFAULT_LIMIT = 10
# query name -> rank section; the lists are answered by a scan of `limit` rows.
TOP_QUERIES = {
    "top-users": "followers",
    "engagement": "engagement",
    "top-urls": "urls",
    "top-domains": "domains",
    "languages": "languages",
    "media": "media_types",
    "top-tags": "tags",
    "top-mentions": "mentions",
    "top-emojis": "emojis",
    "instances": "instances",
    "regions": "regions",
}
QUERY_NAMES = (*TOP_QUERIES, "media-engagement", "user-growth", "totals")
ENGAGEMENT_ORDERS = {"interactions": "engagement", "rate": "engagement_rate"}
# `query tag NAME` and the like: one get in the terms table.
LOOKUPS = {
    "tag": "tags", "url": "urls", "domain": "domains", "language": "languages", "media-type": "media_types",
    "emoji": "emojis", "region": "regions",
}  # fmt: skip
_CASE_FOLDED = {"tags", "domains", "regions"}  # the contract lower-cases these names
GENERIC_REGION = "generic"


class QueryError(ValueError):
    """An unknown query, a bad limit, or no run to read."""


@dataclass
class ScanRecord:
    table: str
    prefix: bytes
    limit: int | None
    caching: int
    rows: int = 0


@dataclass
class ScanMeter:
    scans: list[ScanRecord] = field(default_factory=list)
    gets: int = 0

    @property
    def rows(self) -> int:
        return sum(scan.rows for scan in self.scans)


class Reader:
    """Scans and gets on one namespace, each one recorded in the meter."""

    def __init__(self, connection, namespace: str = NAMESPACE, meter: ScanMeter | None = None):
        self.connection = connection
        self.namespace = namespace
        self.meter = meter if meter is not None else ScanMeter()

    def scan(self, spec: TableSpec, prefix: bytes, limit: int | None = None) -> Iterator[tuple[bytes, dict[bytes, bytes]]]:
        # Scanner caching equal to the limit: the Thrift server then asks the region server for
        # `limit` rows, not for happybase's default of 1,000 that it would fetch and drop.
        caching = min(limit, 1000) if limit else 1000
        record = ScanRecord(spec.full_name(self.namespace), prefix, limit, caching)
        self.meter.scans.append(record)
        table = self.connection.table(record.table)
        for key, row in table.scan(row_prefix=prefix, limit=limit, batch_size=caching):
            record.rows += 1
            yield key, row

    def get(self, spec: TableSpec, key: bytes) -> dict[bytes, bytes]:
        self.meter.gets += 1
        return self.connection.table(spec.full_name(self.namespace)).row(key)


def _value(row: dict[bytes, bytes]) -> Any:
    return json.loads(row.get(b"c:v") or row[b"p:v"])


def check_limit(limit: int | None) -> int | None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise QueryError(f"limit must be a positive integer (or None for all), got {limit!r}")
    return limit


def resolve_run(reader: Reader, run: str | None) -> str:
    if run is not None:
        return keys.check_run_id(run)
    found = latest_run(reader.connection, namespace=reader.namespace)
    if found is None:
        raise QueryError(f"no published run in HBase namespace {reader.namespace!r}: run the pipeline, or load and publish a run")
    return found


def top(reader: Reader, section: str, run: str, limit: int | None) -> dict[str, Any]:
    """The first `limit` rows of a section: count descending, then key ascending."""
    return {
        keys.rank_entity(key, section, run): _value(row)
        for key, row in reader.scan(RANK, keys.rank_prefix(section, run), limit)
    }


def growth(reader: Reader, run: str) -> dict[str, dict[str, int]]:
    return {
        keys.rank_entity(key, "user_growth", run, ordered=False): _value(row)
        for key, row in reader.scan(RANK, keys.rank_prefix("user_growth", run))
    }


def check_region(region: str) -> str:
    """A region as the contract writes it: two ASCII letters, lower-cased, or "generic"."""
    name = region.strip().lower()
    if name != GENERIC_REGION and not (len(name) == 2 and name.isascii() and name.isalpha()):
        raise QueryError(f"no such region {region!r}: a region is a two-letter country-code domain (de, fr, jp) or {GENERIC_REGION}")
    return name


def region_languages(reader: Reader, run: str, region: str, limit: int | None) -> dict[str, Any]:
    """A region's top languages (a scan of `limit` rows) and their shares of its statuses (one get)."""
    row = reader.get(TERMS, keys.term_key(run, "regions", region))
    if not row:
        return {"regions": {}, "language_by_region": {}, "language_shares": {}}
    statuses = _value(row)
    prefix = keys.group_rank_prefix("language_by_region", run, region)
    languages = {
        keys.group_rank_entity(key, "language_by_region", run, region): _value(found)
        for key, found in reader.scan(RANK, prefix, limit)
    }
    shares = {code: count / statuses for code, count in languages.items()}
    return {"regions": {region: statuses}, "language_by_region": {region: languages}, "language_shares": shares}


def media_engagement(reader: Reader, run: str, limit: int | None) -> dict[str, Any]:
    """Both groups (one get) and the top attachment types by statuses (a scan of `limit` rows)."""
    row = reader.get(RANK, keys.rank_key("media_engagement", run, "", ""))
    if not row:
        raise QueryError(f"run {run!r} has no media engagement in HBase: it was loaded before the metric existed")
    return {"media_engagement": {**_value(row), "by_type": top(reader, "media_engagement_by_type", run, limit)}}


def totals(reader: Reader, run: str) -> dict[str, int]:
    row = reader.get(RANK, keys.rank_key("totals", run, "", ""))
    if not row:
        raise QueryError(f"run {run!r} has no totals in HBase: was it loaded?")
    return _value(row)


def query(
    connection,
    name: str,
    limit: int | None = DEFAULT_LIMIT,
    *,
    by: str = "interactions",
    region: str | None = None,
    run: str | None = None,
    namespace: str = NAMESPACE,
    meter: ScanMeter | None = None,
) -> dict[str, Any]:
    """One analysis question. `limit` bounds the lists (None: all); user-growth and totals are whole.

    `region` (languages only) answers for the statuses of one region instead of all.
    """
    if name not in QUERY_NAMES:
        raise QueryError(f"unknown query {name!r}: choose one of {', '.join(QUERY_NAMES)}")
    if by not in ENGAGEMENT_ORDERS:
        raise QueryError(f"engagement is ordered by {' or '.join(ENGAGEMENT_ORDERS)}, not {by!r}")
    if region is not None and name != "languages":
        raise QueryError("a region applies to the languages query only")
    check_limit(limit)
    region = None if region is None else check_region(region)
    reader = Reader(connection, namespace, meter)
    run = resolve_run(reader, run)
    if region is not None:
        return region_languages(reader, run, region, limit)
    if name == "media-engagement":
        return media_engagement(reader, run, limit)
    if name == "totals":
        return {"totals": totals(reader, run)}
    if name == "user-growth":
        return {"user_growth": growth(reader, run)}
    section = TOP_QUERIES[name]
    if name == "engagement":
        return {"engagement": top(reader, ENGAGEMENT_ORDERS[by], run, limit)}
    listed = top(reader, section, run, limit)
    if name == "languages":
        statuses = totals(reader, run)["statuses"]
        shares = {code: (count / statuses if statuses else 0.0) for code, count in listed.items()}
        return {"totals": {"statuses": statuses}, "languages": listed, "language_shares": shares}
    if name == "media":
        counted = totals(reader, run)
        return {"totals": {key: counted[key] for key in ("statuses", "statuses_with_media")}, "media_types": listed}
    return {section: listed}


def account(
    connection,
    handle_or_pseudonym: str,
    *,
    pseudonymiser: Pseudonymiser | None = None,
    run: str | None = None,
    namespace: str = NAMESPACE,
    meter: ScanMeter | None = None,
) -> dict[str, dict[str, Any]]:
    """One account's figures (a single get); empty sections when the run does not know it."""
    pseudonym = to_pseudonym(handle_or_pseudonym, pseudonymiser)
    reader = Reader(connection, namespace, meter)
    row = reader.get(ACCOUNTS, keys.account_key(resolve_run(reader, run), pseudonym))
    found = {column.decode().split(":", 1)[1]: json.loads(raw) for column, raw in row.items()}
    return {section: ({pseudonym: found[section]} if section in found else {}) for section in ("followers", "engagement", "mentions")}


def lookup(
    connection,
    kind: str,
    name: str,
    *,
    run: str | None = None,
    namespace: str = NAMESPACE,
    meter: ScanMeter | None = None,
) -> dict[str, dict[str, int]]:
    """One tag's (url's, domain's...) count: a single get; an empty section when it never occurs."""
    if kind not in LOOKUPS:
        raise QueryError(f"unknown lookup {kind!r}: choose one of {', '.join(LOOKUPS)}")
    section = LOOKUPS[kind]
    if section in _CASE_FOLDED:
        name = name.lower()
    reader = Reader(connection, namespace, meter)
    row = reader.get(TERMS, keys.term_key(resolve_run(reader, run), section, name))
    return {section: {name: _value(row)} if row else {}}


def to_pseudonym(handle_or_pseudonym: str, pseudonymiser: Pseudonymiser | None) -> str:
    text = handle_or_pseudonym.strip().removeprefix("@")
    if is_pseudonym(text):
        return text
    if pseudonymiser is None:
        raise QueryError(f"{handle_or_pseudonym!r} is a handle: its pseudonym needs the lab's key (or give the u_... pseudonym)")
    return pseudonymiser.pseudonym(text)
