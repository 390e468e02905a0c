"""Public checks: prove.py on a tiny lake written here (no lab needed).

Run them with `python test_prove.py` in this folder; `labctl course check governance` runs
them too, with more checks you do not see, then a real erasure in a sandbox.
"""

from __future__ import annotations

import gzip
import json
import tempfile

from labctl.lake.fs import LocalFileSystem
from labctl.lake.layout import LakeLayout
from prove import derived_files, needles, raw_lines

LAYOUT = LakeLayout("/lake")
ADA = "ada@math.example"


def lake(lines: list[dict], derived: dict[str, str] | None = None):
    folder = tempfile.mkdtemp()
    fs = LocalFileSystem(folder)
    partition = "/lake/raw/mastodon/instance=x/timeline=public/dt=2026-01-01/hour=00"
    fs.write_bytes(f"{partition}/b1.jsonl.gz", gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in lines)))
    for path, text in (derived or {}).items():
        fs.write_bytes(path, text.encode())
    return fs


def test_the_needles_are_the_handle_and_the_profile_path():
    assert set(needles("Ada@Math.Example")) == {b"ada@math.example", b"math.example/@ada"}


def test_lines_naming_the_account_are_counted():
    fs = lake([{"account": {"acct": ADA}}, {"account": {"acct": "bob@b.example"}}, {"content": "hi https://math.example/@ada"}])
    assert raw_lines(fs, LAYOUT, ADA) == 2


### BEGIN HIDDEN TESTS
def test_case_does_not_hide_an_account():
    fs = lake([{"account": {"acct": "ADA@Math.Example"}}])
    assert raw_lines(fs, LAYOUT, ADA) == 1


def test_derived_files_are_found_by_handle_or_pseudonym():
    fs = lake([], {"/lake/work/r1/metrics/part-00000": f"mention\t{ADA}\t3\n",
                   "/lake/curated/r1/metrics/metrics.json": '{"u_0123456789abcdef0123": 1}',
                   "/lake/curated/r2/metrics/metrics.json": '{"u_ffff": 1}'})
    assert derived_files(fs, LAYOUT, ADA, "u_0123456789abcdef0123") == 2
### END HIDDEN TESTS


if __name__ == "__main__":
    from labctl.course.unit import main

    main(globals())
