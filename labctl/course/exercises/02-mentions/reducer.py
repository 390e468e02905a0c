"""Step 1, reduce: keep one copy of each status, and emit the accounts it mentions.

Input: the mapper's rows sorted by key, so all the copies of one status arrive together.
Output: `<handle><TAB>1` for each distinct account the kept copy mentions. When copies
differ, the one with the latest `edited_at` (compared as instants, see rules.instant) wins;
a copy never edited loses to any edited one.
"""

from __future__ import annotations

import json
import sys
from itertools import groupby

import rules


def reduce_key(key: str, values: list[str]):
    """Yield (handle, 1) for each account mentioned by the status `key` (its values: the copies)."""
    ### BEGIN SOLUTION
    best_time, best_mentions = None, None
    for value in values:
        edited_at, mentions = json.loads(value)
        when = rules.instant(edited_at)
        if best_mentions is None or (when is not None and (best_time is None or when > best_time)):
            best_time, best_mentions = when, mentions
    for handle in best_mentions or []:
        yield handle, 1
    ### END SOLUTION


def main() -> None:
    """Read sorted `key<TAB>value` lines on stdin, write `handle<TAB>1` lines on stdout."""
    ### BEGIN SOLUTION
    rows = (line.rstrip("\n").split("\t", 1) for line in sys.stdin if line.strip())
    for key, group in groupby(rows, key=lambda row: row[0]):
        for handle, one in reduce_key(key, [value for _, value in group]):
            sys.stdout.write(f"{handle}\t{one}\n")
    ### END SOLUTION


if __name__ == "__main__":
    main()
