"""Prove an erasure: count what is left of an account in the lake, and in HBase.

    python3 prove.py HANDLE --lake LAKE [--lake-root /lake] [--key-file KEY] [--hbase-namespace NS] [--hdfs-user USER]

LAKE is a local directory or the lab's WebHDFS (http://namenode:9870, from the edge node).
Prints one JSON object:

    {"raw_lines": n, "derived_files": n, "audit_handles": n, "hbase_rows": n or null}

- raw_lines: lines of the raw zone's batches that name the account: they contain, in any
  case, its handle (`user@host`) or its profile path (`host/@user`);
- derived_files: files of the work, curated and quarantine zones that name it (the handle,
  the profile path, or its pseudonym);
- audit_handles: audit records (under _state/audit/) that contain the handle: the log of an
  erasure must name the person by pseudonym only;
- hbase_rows: with --hbase-namespace, rows of that namespace's tables rank, accounts, terms
  and reid whose key holds the pseudonym or whose values hold the handle; null without it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from labctl.governance.pseudonym import load_pseudonymiser
from labctl.lake.fs import open_filesystem
from labctl.lake.layout import LakeLayout

HBASE_TABLES = ("rank", "accounts", "terms", "reid")


def needles(handle: str) -> list[bytes]:
    """What names the account in a raw line, lower-cased: the handle and the profile path."""
    ### BEGIN SOLUTION
    user, _, host = handle.lower().partition("@")
    return [handle.lower().encode(), f"{host}/@{user}".encode()]
    ### END SOLUTION


def files(fs, folder: str):
    """Every file under `folder`, recursively."""
    for entry in fs.list_dir(folder):
        if entry.is_dir:
            yield from files(fs, entry.path)
        else:
            yield entry.path


def raw_lines(fs, layout: LakeLayout, handle: str) -> int:
    ### BEGIN SOLUTION
    wanted = needles(handle)
    count = 0
    for path in files(fs, layout.raw_zone):
        if not path.endswith(".jsonl.gz"):
            continue
        for line in gzip.decompress(fs.read_bytes(path)).lower().split(b"\n"):
            if any(needle in line for needle in wanted):
                count += 1
    return count
    ### END SOLUTION


def derived_files(fs, layout: LakeLayout, handle: str, pseudonym: str) -> int:
    ### BEGIN SOLUTION
    wanted = [*needles(handle), pseudonym.encode()]
    count = 0
    for zone in (layout.work_zone, layout.curated_zone, layout.quarantine_zone):
        for path in files(fs, zone):
            data = fs.read_bytes(path)
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            if any(needle in data.lower() for needle in wanted):
                count += 1
    return count
    ### END SOLUTION


def audit_handles(fs, layout: LakeLayout, handle: str) -> int:
    ### BEGIN SOLUTION
    return sum(handle.lower().encode() in fs.read_bytes(path).lower() for path in files(fs, f"{layout.state_zone}/audit"))
    ### END SOLUTION


def hbase_rows(namespace: str, handle: str, pseudonym: str) -> int:
    ### BEGIN SOLUTION
    from labctl.hbase.connection import connect

    connection = connect()
    try:
        count = 0
        for table in HBASE_TABLES:
            for key, cells in connection.table(f"{namespace}:{table}").scan():
                if pseudonym.encode() in key or any(handle.lower().encode() in value.lower() for value in cells.values()):
                    count += 1
        return count
    finally:
        connection.close()
    ### END SOLUTION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Count what is left of an account.")
    parser.add_argument("handle")
    parser.add_argument("--lake", required=True)
    parser.add_argument("--lake-root", default="/lake")
    parser.add_argument("--key-file", type=Path, default=None)
    parser.add_argument("--hbase-namespace", default=None)
    parser.add_argument("--hdfs-user", default=None, help="with WebHDFS: who reads (the raw zone is the data engineers')")
    args = parser.parse_args(argv)
    fs, layout = open_filesystem(args.lake, user=args.hdfs_user), LakeLayout(args.lake_root)
    pseudonym = load_pseudonymiser(args.key_file).pseudonym(args.handle.lower())
    found = {
        "raw_lines": raw_lines(fs, layout, args.handle),
        "derived_files": derived_files(fs, layout, args.handle, pseudonym),
        "audit_handles": audit_handles(fs, layout, args.handle),
        "hbase_rows": hbase_rows(args.hbase_namespace, args.handle, pseudonym) if args.hbase_namespace else None,
    }
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
