"""`labctl jobs run-local --json` gives the oracle's document, order included, on whole recordings:
the shipped one, and a generated hostile one whose servers sit under many kinds of domain.

The second set comes from labctl.seedgen (malformed lines, boosts, copies, edits) with each
account's host replaced, the same way in its acct, its url and the mentions of it, by one of
the odd domains the region rule must read (country codes in any case, a trailing dot, IDNs,
numeric and IPv6 hosts, a port), so every metric of issue 14 is compared on more than the
regions the shipped recording happens to have.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from typer.testing import CliRunner

import labctl.commands.jobs as jobs_command
from labctl.oracle import compute
from labctl.seedgen import PROFILES, SHIPPED_PATH, write_recording

ROOT = Path(__file__).resolve().parents[2]
HOSTS = (
    "toot.example.de", "Social.Example.FR", "mast.example.jp.", "münchen.example.de", "xn--mnchen-3ya.example.at",
    "пример.рф", "example.xn--p1ai", "10.0.0.12", "[fd00::1]", "relay.example.gy", "example.io", "varo.social",
    "example.com", "localhost",
)  # fmt: skip


def run_local_json(path: Path) -> str:
    result = CliRunner().invoke(jobs_command.app, ["run-local", "--input", str(path), "--json", "--workers", "2"])
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_equal_in_order(answered: str, expected: dict[str, Any]) -> None:
    assert json.loads(answered) == expected
    assert answered.strip() == jobs_command.dumps(expected), "same entries, in another order"


def test_the_shipped_recording():
    path = ROOT / SHIPPED_PATH
    assert_equal_in_order(run_local_json(path), compute([path]))


def new_host(user: str, host: str) -> str:
    """A server per account (so the few hosts of a recording spread over all of HOSTS)."""
    return HOSTS[zlib.crc32(f"{user}@{host}".encode()) % len(HOSTS)]


def rehost(node: Any) -> Any:
    """Every account and mention (an object with `acct` and `url`) moved to another server."""
    if isinstance(node, list):
        return [rehost(item) for item in node]
    if not isinstance(node, dict):
        return node
    moved = {key: rehost(value) for key, value in node.items()}
    url, acct = moved.get("url"), moved.get("acct")
    if isinstance(url, str) and isinstance(acct, str):
        parts = urlsplit(url)
        user, at, host = acct.partition("@")
        server = new_host(user, host if at else parts.netloc)
        moved["url"] = urlunsplit(parts._replace(netloc=server))
        moved["acct"] = f"{user}@{server}" if at else acct
    return moved


def strict(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(constant)

    return json.loads(text, parse_constant=refuse)


def rehosted_lines(raw: bytes) -> bytes:
    """Each line with its servers moved; a line that is not a JSON object stays as it was (malformed or not)."""
    out = []
    for line in raw.split(b"\n"):
        try:
            record = strict(line.decode("utf-8"))
        except (ValueError, RecursionError):
            record = None
        out.append(json.dumps(rehost(record)).encode() if isinstance(record, dict) else line)
    return b"\n".join(out)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    write_recording(PROFILES["hostile"].replace(statuses=2_500, seed=23), folder / "hostile.jsonl")
    path = folder / "rehosted.jsonl"
    path.write_bytes(rehosted_lines((folder / "hostile.jsonl").read_bytes()))
    return path


def test_a_generated_hostile_set_under_many_kinds_of_domain(generated):
    expected = compute([generated])
    assert expected["totals"]["malformed"] > 0
    assert set(expected["regions"]) == {"de", "fr", "jp", "at", "gy", "io", "generic"}, expected["regions"]
    assert_equal_in_order(run_local_json(generated), expected)
