"""The lab guide's exercise 5: read the `mastodon` tables by their row keys, with happybase.

    python docs/lab-guide/scripts/rank_scan.py [SECTION]     (default: tags)

1. the latest published run, from the `runs` table;
2. the top 10 of a section of `rank`, by a prefix scan: 10 rows read, already in order;
3. the same top 10 by a full scan with a row filter: the region server reads every row;
4. one entity's count in `terms` by a get, its salted key computed here.

It talks to HBase's Thrift server on 127.0.0.1:9090, the port `labctl urls` lists.
"""

from __future__ import annotations

import hashlib
import sys
import time

import happybase

SEP = b"|"
SALT_BUCKETS = 16  # the `terms` table is pre-split in 16 regions, one per salt


def latest_run(connection) -> bytes:
    """Run ids grow with time: a reversed scan stops at the greatest one still published."""
    published = b"SingleColumnValueFilter('r', 'status', =, 'binary:published', true, true)"
    for key, _ in connection.table("mastodon:runs").scan(filter=published, reverse=True, limit=1):
        return key
    sys.exit("no published run: run the pipeline first (exercise 6)")


def timed(rows):
    started = time.perf_counter()
    rows = list(rows)
    return rows, time.perf_counter() - started


def main(section: str = "tags") -> None:
    connection = happybase.Connection("127.0.0.1", 9090, timeout=60000)
    try:
        show(connection, section)
    finally:
        connection.close()


def show(connection, section: str) -> None:
    run = latest_run(connection)
    print(f"latest published run: {run.decode()}")
    rank = connection.table("mastodon:rank")
    prefix = section.encode() + SEP + run + SEP

    top, seconds = timed(rank.scan(row_prefix=prefix, limit=10))
    print(f"prefix scan of {prefix.decode()}: {len(top)} rows in {seconds * 1000:.0f} ms")
    for key, columns in top[:3]:
        inverted, entity = key[len(prefix) : len(prefix) + 16], key[len(prefix) + 16 :]
        count = (1 << 63) - 1 - int(inverted, 16)
        column, value = next(iter(columns.items()))
        print(f"  {key.decode()}  ->  {entity.decode()}: {count} ({column.decode()} = {value.decode()[:60]})")

    # A filter saves the network, not the disk: the region servers still read every row.
    every_row = f"RowFilter(=, 'substring:{section}|{run.decode()}|')".encode()
    filtered, seconds = timed(key for key, _ in rank.scan(filter=every_row))
    table_rows = sum(1 for _ in rank.scan(filter=b"KeyOnlyFilter()"))
    print(f"full scan with a row filter: {len(filtered)} rows returned in {seconds * 1000:.0f} ms, out of {table_rows} rows read")
    print(f"same top 10: {'yes' if filtered[:10] == [key for key, _ in top] else 'NO'}")

    if not top or b"c:v" not in top[0][1]:
        return  # a person section (followers...): their figures live in `accounts`, keyed by pseudonym
    # terms: <salt>|<run>|<section>|<name>; a reader computes the salt from what it looks for.
    name = top[0][0][len(prefix) + 16 :]
    natural = section.encode() + SEP + name
    salt = b"%02x" % (int.from_bytes(hashlib.md5(natural).digest()[:4], "big") % SALT_BUCKETS)
    key = salt + SEP + run + SEP + natural
    row = connection.table("mastodon:terms").row(key)
    print(f"get {key.decode()}: {row[b'c:v'].decode() if row else 'not found'}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
