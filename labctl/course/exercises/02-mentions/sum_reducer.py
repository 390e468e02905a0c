"""Step 2, combine and reduce: the number of statuses mentioning each account.

Input: `<handle><TAB><n>` lines sorted by handle. Output: one `<handle><TAB><total>` line
per handle. The same script runs as the combiner (on one map task's output) and as the
reducer, so it must accept partial sums as well as ones.
"""

from __future__ import annotations

import sys
from itertools import groupby


def total(values: list[str]) -> int:
    ### BEGIN SOLUTION
    return sum(int(value) for value in values)
    ### END SOLUTION


def main() -> None:
    ### BEGIN SOLUTION
    rows = (line.rstrip("\n").split("\t", 1) for line in sys.stdin if line.strip())
    for handle, group in groupby(rows, key=lambda row: row[0]):
        sys.stdout.write(f"{handle}\t{total([value for _, value in group])}\n")
    ### END SOLUTION


if __name__ == "__main__":
    main()
