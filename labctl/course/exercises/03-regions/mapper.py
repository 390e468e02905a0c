"""Map: one row per copy of an original status, keyed by its author's region.

Input: raw lines, one Mastodon status each (a boost embeds its original in `reblog`; the
boost itself is not a status of the metric). Output: `<region><TAB><status key>` lines,
the status key being its `uri`, or its `id` when it has no uri.
"""

from __future__ import annotations

import sys

import rules
from region import region_of


def map_line(line: bytes):
    """Yield (region, status key) for one raw line; nothing for a malformed line."""
    ### BEGIN SOLUTION
    status = rules.parse_line(line)
    if status is None:
        return
    while status.get("reblog") is not None:
        status = status["reblog"]
    uri = status.get("uri")
    key = uri if isinstance(uri, str) and uri else str(status["id"])
    author = status["account"]
    yield region_of(rules.handle(author.get("acct"), author.get("url"))), key
    ### END SOLUTION


def main() -> None:
    ### BEGIN SOLUTION
    for line in sys.stdin.buffer:
        for region, key in map_line(line):
            sys.stdout.write(f"{region}\t{key}\n")
    ### END SOLUTION


if __name__ == "__main__":
    main()
