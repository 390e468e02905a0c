"""An in-memory stand-in for the part of happybase labctl.hbase uses.

Rows are kept sorted by key as HBase keeps them; scans honour row_prefix, limit and reverse,
and the few filter strings labctl.hbase sends (an unknown one fails the test rather than
being ignored). Every round trip is recorded, so tests can count batches and rows read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

THRIFT_DEFAULTS = {
    "max_versions": 3,
    "compression": b"NONE",
    "in_memory": False,
    "bloom_filter_type": b"NONE",
    "bloom_filter_vector_size": 0,
    "bloom_filter_nb_hashes": 0,
    "block_cache_enabled": False,
    "time_to_live": 2**31 - 1,
}


def _matches(filter_string: str | None, key: bytes, row: dict[bytes, bytes]) -> tuple[bool, dict[bytes, bytes]]:
    if not filter_string:
        return True, row
    kept = row
    for part in filter_string.split(" AND "):
        if part in ("KeyOnlyFilter()", "FirstKeyOnlyFilter()"):
            kept = {sorted(kept)[0]: b""} if kept else {}
        elif match := re.fullmatch(r"SingleColumnValueFilter\('(\w+)', '(\w+)', =, 'binary:(\w+)', true, true\)", part):
            column = f"{match[1]}:{match[2]}".encode()
            if row.get(column) != match[3].encode():
                return False, {}
        elif match := re.fullmatch(r"RowFilter\(=, 'regexstring:(.*)'\)", part):
            if not re.search(match[1].encode(), key):
                return False, {}
        else:
            raise NotImplementedError(f"fake HBase does not know the filter {part!r}")
    return True, kept


@dataclass
class FakeTable:
    name: str
    families_: dict[str, dict[str, Any]]
    data: dict[bytes, dict[bytes, bytes]] = field(default_factory=dict)
    batches: list[list[tuple[str, bytes]]] = field(default_factory=list)
    puts: int = 0
    scans: list[dict[str, Any]] = field(default_factory=list)

    def families(self) -> dict[bytes, dict[str, Any]]:
        return {name.encode(): {"name": f"{name}:".encode(), **options} for name, options in self.families_.items()}

    def put(self, key: bytes, data: dict[bytes, bytes]) -> None:
        self.puts += 1
        self._put(key, data)

    def _put(self, key: bytes, data: dict[bytes, bytes]) -> None:
        for column in data:
            family = column.split(b":", 1)[0].decode()
            if family not in self.families_:
                raise ValueError(f"{self.name} has no family {family!r}")
        self.data.setdefault(key, {}).update(data)

    def delete(self, key: bytes, columns: list[bytes] | None = None) -> None:
        if columns is None:
            self.data.pop(key, None)
            return
        row = self.data.get(key, {})
        for column in columns:
            row.pop(column, None)
        if not row:
            self.data.pop(key, None)

    def row(self, key: bytes, columns: list[bytes] | None = None) -> dict[bytes, bytes]:
        row = dict(self.data.get(key, {}))
        return {c: v for c, v in row.items() if columns is None or c in columns}

    def rows(self, row_keys: list[bytes], columns: list[bytes] | None = None) -> list[tuple[bytes, dict[bytes, bytes]]]:
        return [(key, self.row(key, columns)) for key in row_keys if key in self.data]

    def scan(self, row_prefix=None, filter=None, limit=None, batch_size=1000, reverse=False, **unused):
        if unused:
            raise NotImplementedError(f"fake scan options {sorted(unused)}")
        record = {"prefix": row_prefix, "limit": limit, "batch_size": batch_size, "rows": 0}
        self.scans.append(record)
        ordered = sorted(self.data, reverse=reverse)
        for key in ordered:
            if row_prefix is not None and not key.startswith(row_prefix):
                continue
            keep, row = _matches(filter, key, self.data[key])
            if not keep:
                continue
            record["rows"] += 1
            yield key, dict(row)
            if limit is not None and record["rows"] >= limit:
                return

    def batch(self, batch_size: int | None = None) -> FakeBatch:
        if batch_size is not None:
            raise AssertionError("labctl.hbase sizes its batches itself")
        return FakeBatch(self)


class FakeBatch:
    def __init__(self, table: FakeTable):
        self.table = table
        self.ops: list[tuple[str, bytes, dict | None]] = []

    def put(self, key: bytes, data: dict[bytes, bytes]) -> None:
        self.ops.append(("put", key, data))

    def delete(self, key: bytes) -> None:
        self.ops.append(("delete", key, None))

    def __enter__(self) -> FakeBatch:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None and self.ops:
            self.table.batches.append([(op, key) for op, key, _ in self.ops])
            for op, key, data in self.ops:
                self.table._put(key, data) if op == "put" else self.table.delete(key)


class FakeConnection:
    def __init__(self):
        self.tables_: dict[str, FakeTable] = {}
        self.created: list[str] = []
        self.closed = False

    def tables(self) -> list[bytes]:
        return [name.encode() for name in self.tables_]

    def create_table(self, name: str, families: dict[str, dict[str, Any]]) -> None:
        if name in self.tables_:
            raise RuntimeError(f"AlreadyExists: {name}")
        described = {}
        for family, options in families.items():
            merged = dict(THRIFT_DEFAULTS)
            for option, value in options.items():
                merged[option] = value.encode() if isinstance(value, str) else value
            described[family] = merged
        self.tables_[name] = FakeTable(name, described)
        self.created.append(name)

    def table(self, name: str) -> FakeTable:
        if name not in self.tables_:
            raise LookupError(f"TableNotFoundException: {name}")
        return self.tables_[name]

    def close(self) -> None:
        self.closed = True

    def open(self) -> None:
        self.closed = False

    def snapshot(self) -> dict[str, dict[bytes, dict[bytes, bytes]]]:
        return {name: {key: dict(row) for key, row in table.data.items()} for name, table in self.tables_.items()}


class FakeAdmin:
    """Records the admin operations instead of running Java in a container."""

    def __init__(self):
        self.operations: list[list[str]] = []

    def run(self, *operations) -> list[list[str]]:
        self.operations += [list(operation) for operation in operations]
        return [[operation[0], *operation[1:2], "ok"] for operation in operations]
