"""Public checks of the row key, without the lab.

Run them with `python test_design.py` in this folder; `labctl course check hbase-design`
runs them too, with more checks you do not see, then your table on the lab's HBase.
"""

from __future__ import annotations

from design import families, row_key


def test_a_key_is_bytes():
    assert isinstance(row_key("en", "python", 3), bytes)


def test_keys_sort_by_count_descending_then_tag():
    counts = {"rust": 9, "python": 10, "go": 10, "c": 2}
    ranked = sorted(counts, key=lambda tag: row_key("en", tag, counts[tag]))
    assert ranked == ["go", "python", "rust", "c"]


def test_the_rows_of_one_language_are_consecutive():
    keys = sorted([row_key("en", "a", 1), row_key("de", "a", 5), row_key("en", "b", 7), row_key("es", "a", 1)])
    languages = [key[:2] for key in keys]
    assert languages == sorted(languages)


### BEGIN HIDDEN TESTS
def test_tags_that_look_like_keys_keep_their_place():
    assert row_key("en", "a|b", 5) < row_key("en", "a", 4)
    assert row_key("en", "zz", 5) < row_key("en", "a", 4)


def test_large_counts_keep_their_order():
    assert row_key("en", "a", 1_000_000) < row_key("en", "a", 999_999) < row_key("en", "a", 0)


def test_one_version_is_kept():
    assert all(options.get("max_versions") == 1 for options in families().values())
### END HIDDEN TESTS


if __name__ == "__main__":
    from labctl.course.unit import main

    main(globals())
