"""Step 1, map: one row per copy of an original status, keyed by the status.

Input: raw lines, one Mastodon status each (a boost embeds its original in `reblog`).
Output: `<status key><TAB><value>` lines. The status key is the `uri`, or the `id` when the
status has no uri; the value is yours to choose (JSON is easiest): the reducer must be able
to tell which copy was edited last and which accounts that copy mentions.
"""

from __future__ import annotations

import json
import sys

import rules


def map_line(line: bytes):
    """Yield (key, value) pairs (two strings) for one raw line; nothing for a malformed line."""
    ### BEGIN SOLUTION
    status = rules.parse_line(line)
    if status is None:
        return
    while status.get("reblog") is not None:  # a boost counts through its original
        status = status["reblog"]
    uri = status.get("uri")
    key = uri if isinstance(uri, str) and uri else str(status["id"])
    mentioned = []
    for mention in status.get("mentions") or []:
        if isinstance(mention, dict) and isinstance(mention.get("acct"), str) and mention["acct"]:
            mentioned.append(rules.handle(mention["acct"], mention.get("url")))
    yield key, json.dumps([status.get("edited_at"), sorted(set(mentioned))], ensure_ascii=False)
    ### END SOLUTION


def main() -> None:
    """Read raw lines on stdin, write `key<TAB>value` lines on stdout."""
    ### BEGIN SOLUTION
    out = sys.stdout
    for line in sys.stdin.buffer:  # bytes split on b"\n" only: a U+2028 stays inside its line
        for key, value in map_line(line):
            out.write(f"{key}\t{value}\n")
    ### END SOLUTION


if __name__ == "__main__":
    main()
