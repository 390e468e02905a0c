"""The guide's conventions: which lines are commands, which output they must show."""

from __future__ import annotations

import pytest

from guide import Command, GuideError, line_matches, missing_lines, parse_guide

FENCE = "```"


def md(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_commands_come_in_order_with_their_lines():
    text = md("# Title", "", f"{FENCE}console", "$ labctl status", "", "$ echo two", FENCE, "prose", f"{FENCE}console", "$ echo three", FENCE)
    commands = parse_guide(text, "g.md")
    assert [(c.line, c.text) for c in commands] == [(4, "labctl status"), (6, "echo two"), (10, "echo three")]
    assert {c.source for c in commands} == {"g.md"}
    assert commands[0].where == "g.md:4"


def test_backslash_continues_a_command_as_bash_would_read_it():
    text = md(f"{FENCE}console", "$ hadoop jar x.jar \\", "    -input a \\", "    -output b", "$ next", FENCE)
    first, second = parse_guide(text)
    assert first.text == "hadoop jar x.jar \\\n    -input a \\\n    -output b"
    assert (first.line, second.line, second.text) == (2, 5, "next")


def test_an_output_block_belongs_to_the_last_command_before_it_even_after_prose():
    text = md(f"{FENCE}console", "$ one", "$ two", FENCE, "You should see:", "", f"{FENCE}output", "Found ... items", "", "...", "  /tmp  ", FENCE)
    one, two = parse_guide(text)
    assert one.expected is None
    assert two.expected == ("Found ... items", "...", "/tmp")
    assert two.expected_line == 7


def test_other_blocks_are_prose_and_break_the_link_to_an_output_block():
    text = md(f"{FENCE}sh", "$ not run", FENCE, f"{FENCE}console", "$ run", FENCE, f"{FENCE}diff", "+x", FENCE, f"{FENCE}output", "y", FENCE)
    with pytest.raises(GuideError, match=r"<guide>:10: an output block must follow a console block"):
        parse_guide(text)
    assert [c.text for c in parse_guide(md(f"{FENCE}sh", "$ not run", FENCE, f"{FENCE}console", "$ run", FENCE))] == ["run"]


def test_only_console_blocks_read_attributes_from_their_info_string():
    text = md(f"{FENCE}text An example, not run", "anything", FENCE, f"{FENCE}console", "$ true", FENCE)
    assert [c.text for c in parse_guide(text)] == ["true"]


def test_exit_attribute_sets_the_expected_status_of_the_block():
    text = md(f"{FENCE}console exit=1", "$ false", FENCE, f"{FENCE}console", "$ true", FENCE)
    assert [c.exit_code for c in parse_guide(text)] == [1, 0]


def test_tilde_fences_longer_fences_and_indented_blocks_are_read():
    text = md("1. In a list:", "", "   ~~~~console", "   $ echo in list", "   ~~~~", "", "````console", "$ printf '```'", "````", "~~~output", "```", "~~~")
    first, second = parse_guide(text)
    assert (first.text, second.text) == ("echo in list", "printf '```'")
    assert second.expected == ("```",)  # a fence of another kind or shorter does not close the block


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (md(f"{FENCE}console", "$ ls", "Found 5 items", FENCE), r"g.md:3: a console block holds only `\$ ` commands"),
        (md(f"{FENCE}console", "$ ls \\", FENCE), r"g.md:2: the command's last line ends with a backslash"),
        (md(f"{FENCE}console", "", FENCE), r"g.md:1: a console block without any `\$ ` command"),
        (md(f"{FENCE}console", "$ ", FENCE), r"g.md:2: `\$ ` without a command"),
        (md(f"{FENCE}console", "$ ls"), r"g.md:1: the block opened here is never closed"),
        (md(f"{FENCE}output", "x", FENCE), r"g.md:1: an output block must follow the first console block"),
        (md(f"{FENCE}console", "$ ls", FENCE, f"{FENCE}output", "a", FENCE, f"{FENCE}output", "b", FENCE), r"g.md:7: an output block must follow a console block"),
        (md(f"{FENCE}console timeout=5", "$ ls", FENCE), r"g.md:1: unknown console attribute\(s\) timeout"),
        (md(f"{FENCE}console exit=-1", "$ ls", FENCE), r"g.md:1: exit=-1 is not an exit status"),
        (md(f"{FENCE}console exit=256", "$ ls", FENCE), r"g.md:1: exit=256 is not an exit status"),
        (md(f"{FENCE}console fails", "$ ls", FENCE), r"g.md:1: cannot read 'fails'"),
    ],
)
def test_broken_conventions_name_the_file_and_line(text, message):
    with pytest.raises(GuideError, match=message):
        parse_guide(text, "g.md")


@pytest.mark.parametrize(
    ("pattern", "line", "matches"),
    [
        ("statuses", "│ statuses            │ 17928 │", True),
        ("Found ... items", "Found 5 items", True),
        ("Found ... items", "Found 5", False),
        ("a...b...c", "xx a 1 b 2 c", True),
        ("a...b...c", "c b a", False),
        ("...", "anything", True),
        ("Status: ...HEALTHY", "Status: HEALTHY", True),
        ("exact", "inexact text", True),
        ("Replication", "replication", False),
        ("Node-Id ... Node-State ... Address", "   Node-Id        Node-State Address", True),
        ("a ... b", "ab", True),
    ],
)
def test_a_pattern_matches_one_line_with_ellipses_as_any_text(pattern, line, matches):
    assert line_matches(pattern, line) is matches


def test_expected_lines_must_appear_in_order():
    output = "Found 2 items\n/tmp/a\n/tmp/b\n"
    assert missing_lines(("Found ... items", "...", "/tmp/b"), output) == []
    assert missing_lines(("/tmp/b", "/tmp/a"), output) == ["/tmp/a"]
    assert missing_lines(("Found 3 items", "/tmp/a"), output) == ["Found 3 items"]
    assert missing_lines(("/tmp/a",), "") == ["/tmp/a"]


def test_each_expected_line_takes_its_own_output_line():
    assert missing_lines(("x", "x"), "x\n") == ["x"]
    assert missing_lines(("x", "x"), "x\nx\n") == []


def test_a_command_keeps_its_expected_output_through_parsing():
    (command,) = parse_guide(md(f"{FENCE}console", "$ echo hi", FENCE, f"{FENCE}output", "hi", FENCE), "g.md")
    assert command == Command("g.md", 2, "echo hi", 0, ("hi",), 4)
