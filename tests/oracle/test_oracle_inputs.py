"""What the oracle reads: JSON lines and JSON arrays, gzip or not, and the lines that must not stop it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest

from labctl import oracle
from labctl.oracle import compute



def record(status_id: int, text: str = "hello") -> dict:
    who = {"id": "1", "username": "ann", "acct": "ann", "url": "https://town.example/@ann"}
    return {"id": str(status_id), "uri": f"https://town.example/s/{status_id}", "content": f"<p>{text}</p>", "account": who}


def line(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def test_unicode_line_separators_inside_strings_do_not_split_records(tmp_path):
    separated = record(1, "one\u2028two\u2029three\u0085four")
    path = tmp_path / "s.jsonl"
    path.write_bytes(line(separated) + b"\n" + line(record(2)) + b"\n")
    assert len(path.read_text(encoding="utf-8").splitlines()) > 2  # the trap is really there
    assert compute([path])["totals"] == {
        "statuses": 2, "boosts": 0, "accounts": 1, "statuses_with_media": 0, "malformed": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(line(record(1))[:40], id="truncated JSON"),
        pytest.param(line(record(1)).replace(b"hello", b"hel\xfflo"), id="invalid UTF-8"),
        pytest.param(b"[1, 2]", id="a JSON array"),
        pytest.param(b"null", id="null"),
        pytest.param(b'"a string"', id="a JSON string"),
        pytest.param(line({k: v for k, v in record(1).items() if k != "id"}), id="no id"),
        pytest.param(line({**record(1), "id": None}), id="null id"),
        pytest.param(line({**record(1), "id": ""}), id="empty id"),
        pytest.param(line({**record(1), "id": True}), id="boolean id"),
        pytest.param(line({**record(1), "id": 1.5}), id="float id"),
        pytest.param(line({**record(1), "score": float("nan")}), id="NaN is not JSON"),
        pytest.param(b'{"id": "1", "account": {}, "n": Infinity}', id="Infinity is not JSON"),
        pytest.param(line({**record(1), "account": "ann"}), id="account not an object"),
        pytest.param(line({k: v for k, v in record(1).items() if k != "account"}), id="no account"),
        pytest.param(line({**record(1), "reblog": {"id": "5"}}), id="boost of an original without account"),
    ],
)
def test_a_malformed_line_is_counted_and_the_rest_still_read(bad):
    result = compute([line(record(7)) + b"\n" + bad + b"\n" + line(record(8)) + b"\n"])
    assert result["totals"]["malformed"] == 1
    assert result["totals"]["statuses"] == 2


def test_an_integer_id_is_an_id():
    assert compute([line({**record(1), "id": 12})])["totals"]["statuses"] == 1


def test_blank_lines_are_ignored_and_crlf_endings_tolerated():
    data = b"\n\n" + line(record(1)) + b"\r\n   \n\t\n" + line(record(2))  # no final newline either
    assert compute([data])["totals"] == {
        "statuses": 2, "boosts": 0, "accounts": 1, "statuses_with_media": 0, "malformed": 0,
    }  # fmt: skip


def test_gzip_files_read_like_plain_ones(tmp_path):
    body = line(record(1)) + b"\n" + line(record(2)) + b"\nnot json\n"
    plain, packed = tmp_path / "a.jsonl", tmp_path / "a.jsonl.gz"
    plain.write_bytes(body)
    packed.write_bytes(gzip.compress(body))
    assert compute([packed]) == compute([plain])
    assert compute([packed])["totals"]["malformed"] == 1


def test_a_json_array_file_is_a_page_of_records(tmp_path):
    page = tmp_path / "page.json.gz"
    page.write_bytes(gzip.compress(b"  [" + b",\n".join([line(record(1)), line(record(2)), b"3", b"{}"]) + b"]\n"))
    assert compute([page])["totals"]["statuses"] == 2
    assert compute([page])["totals"]["malformed"] == 2  # the number and the object without id


def test_a_json_lines_file_opening_with_an_array_line_is_still_json_lines(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"[1]\n" + line(record(1)) + b"\n")
    assert compute([path])["totals"]["malformed"] == 1
    assert compute([path])["totals"]["statuses"] == 1


def test_several_sources_are_one_input(tmp_path):
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    first.write_bytes(line(record(1)) + b"\n")
    second.write_bytes(line(record(1)) + b"\n" + line(record(2)) + b"\n")
    assert compute([first, str(second)])["totals"]["statuses"] == 2


def test_a_single_source_not_in_a_list_is_refused():
    with pytest.raises(TypeError, match="list"):
        compute("seed_data/recordings/toot.varmo.de.jsonl.gz")


def test_the_command_line_prints_the_document_as_json(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_bytes(line(record(1, "caf\u00e9 \u2028")) + b"\n")
    done = subprocess.run([sys.executable, "-m", "labctl.oracle", str(path)], capture_output=True, check=True)
    assert json.loads(done.stdout) == compute([path])


def test_the_command_line_names_a_missing_file(tmp_path):
    done = subprocess.run([sys.executable, "-m", "labctl.oracle", str(tmp_path / "nope.jsonl")], capture_output=True, text=True)
    assert done.returncode == 1
    assert "nope.jsonl" in done.stderr
