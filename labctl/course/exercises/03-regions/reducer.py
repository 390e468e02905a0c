"""Reduce: the number of distinct statuses of each region.

Input: the mapper's rows sorted by region (Hadoop sorts on the key only: within a region,
the status keys arrive in no particular order, and a status seen several times arrives
several times). Output: one `<region><TAB><statuses>` line per region.
"""

from __future__ import annotations

import sys
from itertools import groupby


def count_region(region: str, keys: list[str]) -> int:
    ### BEGIN SOLUTION
    return len(set(keys))
    ### END SOLUTION


def main() -> None:
    ### BEGIN SOLUTION
    rows = (line.rstrip("\n").split("\t", 1) for line in sys.stdin if line.strip())
    for region, group in groupby(rows, key=lambda row: row[0]):
        sys.stdout.write(f"{region}\t{count_region(region, [key for _, key in group])}\n")
    ### END SOLUTION


if __name__ == "__main__":
    main()
