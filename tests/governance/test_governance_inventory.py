"""The field inventory is the one list of what the pipeline keeps: minimisation obeys it,
the register is rendered from it, and the jobs cannot rely on a field it drops."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from statusfactory import make_account, make_status, make_timeline

from labctl.governance.inventory import FIELD_INVENTORY, INVENTORY_BY_PATH, kept_paths, render_markdown
from labctl.governance.minimise import Minimiser, UnknownFieldError, minimise

ROOT = Path(__file__).resolve().parents[2]

# What the metric contract (docs/metrics.md, jobs/contract.py) reads from an author. Written
# out here on purpose: dropping one of these from the inventory must fail a test.
METRIC_ACCOUNT_FIELDS = (
    "id", "acct", "url", "created_at", "followers_count", "following_count", "statuses_count",
    "noindex", "indexable", "discoverable",
)
METRIC_STATUS_FIELDS = (
    "id", "uri", "created_at", "in_reply_to_id", "reblog", "content", "language", "favourites_count",
    "reblogs_count", "replies_count", "media_attachments[].type", "media_attachments[].id", "mentions[].acct",
    "mentions[].url", "mentions[].id", "tags[].name", "emojis[].shortcode", "edited_at", "spoiler_text",
    "sensitive", "visibility",
)


def leaf_paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Inventory-style paths of every leaf in a minimised status (reblog.* folds back to *).
    Empty containers hold no data and yield nothing."""
    if isinstance(value, (dict, list)) and not value:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            if prefix == "" and key == "reblog" and isinstance(child, dict):
                yield "reblog"
                yield from leaf_paths(child, "")
                continue
            yield from leaf_paths(child, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list) and all(isinstance(item, dict) for item in value):
        for item in value:
            yield from leaf_paths(item, f"{prefix}[]")
    elif prefix:
        yield prefix


def rich_statuses() -> list[dict[str, Any]]:
    statuses = make_timeline(60, boost_every=4, noindex_every=5)
    extra = make_status(1_735_689_700_000, 1, make_account(3), tags=["x"], media=2)
    extra["mentions"] = [{"id": "9", "username": "bob", "acct": "bob@other.example",
                          "url": "https://other.example/@bob"}]
    extra["emojis"] = [{"shortcode": "blobcat", "url": "https://e/x.png", "static_url": "https://e/s.png",
                        "visible_in_picker": True}]
    extra["poll"] = {"id": "1", "options": [{"title": "my secret vote"}]}
    extra["card"] = {"url": "https://news.example/a", "author_name": "Jane Doe"}
    extra["some_future_field"] = {"nested": "value"}
    extra["account"]["some_future_profile_field"] = "private"
    return statuses + [extra]


def test_inventory_paths_are_unique_and_well_formed():
    paths = [spec.path for spec in FIELD_INVENTORY]
    assert len(paths) == len(set(paths))
    for path in paths:
        assert path and all(part and part.replace("[]", "").replace("_", "").isalnum() for part in path.split("."))


def test_every_kept_field_of_a_minimised_status_is_in_the_inventory():
    kept = set(kept_paths())
    for status in rich_statuses():
        produced = set(leaf_paths(minimise(status)))
        assert produced <= kept, f"not in the inventory as kept: {sorted(produced - kept)}"


class TrackingDict(dict):
    """A dict that records which keys code reads through it."""

    def __init__(self, data: dict, path: str, reads: set[str]):
        super().__init__({k: wrap(v, f"{path}.{k}" if path else k, reads) for k, v in data.items()})
        self.path, self.reads = path, reads

    def _note(self, key: str) -> None:
        self.reads.add(f"{self.path}.{key}" if self.path else key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def items(self):
        for key in self:
            self._note(key)
        return super().items()

    def values(self):
        for key in self:
            self._note(key)
        return super().values()


def wrap(value: Any, path: str, reads: set[str]) -> Any:
    if isinstance(value, dict):
        return TrackingDict(value, path, reads)
    if isinstance(value, list):
        return [wrap(item, f"{path}[]", reads) for item in value]
    return value


def normalise_read(path: str) -> str:
    while path.startswith("reblog.") and path != "reblog":
        path = path[len("reblog."):]
    return path


def containers_of(paths: set[str]) -> set[str]:
    return {".".join(path.split(".")[:n]).removesuffix("[]") for path in paths for n in range(1, path.count(".") + 1)}


def test_minimisation_reads_only_fields_the_inventory_keeps():
    kept = set(kept_paths())
    kept |= containers_of(kept)
    for status in rich_statuses():
        reads: set[str] = set()
        minimise(wrap(status, "", reads))
        read = {normalise_read(p) for p in reads}
        assert read <= kept, f"the minimiser read fields the inventory does not keep: {sorted(read - kept)}"


def test_profile_data_does_not_survive_minimisation():
    for status in rich_statuses():
        text = json.dumps(minimise(status))
        account = status["account"]
        for secret in (account["display_name"], account["note"], account["avatar"], account["fields"][0]["value"]):
            assert secret not in text
        assert "my holiday photo" not in text and "my secret vote" not in text and "Jane Doe" not in text


def get_path(value: Any, parts: list[str]) -> Any:
    """Independent extraction of an inventory path from a status (lists give lists)."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        return [get_path(item, rest) for item in value.get(head[:-2], [])]
    return get_path(value.get(head), rest) if rest else value.get(head)


def test_kept_fields_keep_their_values():
    for status in rich_statuses():
        small = minimise(status)
        for path in kept_paths():
            if path == "reblog":
                continue
            parts = path.split(".")
            if parts[0].removesuffix("[]") not in status:
                continue
            if len(parts) > 1 and not parts[0].endswith("[]") and parts[1] not in (status[parts[0]] or {}):
                continue
            assert get_path(small, parts) == get_path(status, parts), path
        if status.get("reblog"):
            assert small["reblog"] == minimise(status["reblog"])


def test_absent_optional_fields_stay_absent():
    status = {"id": "1", "account": {"id": "2", "acct": "a"}}
    assert minimise(status) == status


def test_metric_fields_are_kept():
    kept = set(kept_paths())
    missing = [f"account.{f}" for f in METRIC_ACCOUNT_FIELDS if f"account.{f}" not in kept]
    missing += [f for f in METRIC_STATUS_FIELDS if f not in kept]
    assert not missing, f"the metrics need fields the inventory drops: {missing}"


def test_kept_account_identifiers_are_pseudonymised_downstream():
    for path in ("account.id", "account.acct", "account.url", "mentions[].acct", "mentions[].id"):
        assert INVENTORY_BY_PATH[path].pseudonymised, path


def test_a_keep_list_cannot_name_a_field_the_register_does_not_list():
    with pytest.raises(UnknownFieldError, match="account.phone"):
        Minimiser(kept_paths() + ("account.phone",))


def test_the_keep_list_is_configurable_within_the_inventory():
    status = make_status(1_735_689_700_000, 1, make_account(4))
    wider = Minimiser(kept_paths() + ("account.display_name",))
    assert wider(status)["account"]["display_name"] == status["account"]["display_name"]
    assert "display_name" not in minimise(status)["account"]
    assert wider.version != Minimiser().version


def test_register_table_lists_every_field():
    table = render_markdown()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(FIELD_INVENTORY)
    for spec in FIELD_INVENTORY:
        row = next(r for r in rows if r.startswith(f"| `{spec.path}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == ("yes" if spec.personal else "no")
        assert cells[4] == ("yes" if spec.kept_in_raw else "no")


# --- the jobs must not read a personal field that minimisation drops -------------------------

def dropped_personal_names() -> set[str]:
    """Names of personal fields dropped at ingestion, minus every name a kept path also uses."""
    def names(path: str) -> list[str]:
        return [part.removesuffix("[]") for part in path.split(".")]

    kept_names = {name for path in kept_paths() for name in names(path)}
    return {names(s.path)[-1] for s in FIELD_INVENTORY if s.personal and not s.kept_in_raw} - kept_names


def string_constants(source: str) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_the_scan_finds_a_dropped_field_read():
    source = 'def f(status):\n    return status["account"].get("display_name")\n'
    assert "display_name" in string_constants(source) & dropped_personal_names()


def test_jobs_read_no_personal_field_dropped_at_ingestion():
    jobs = sorted((ROOT / "jobs").glob("*.py"))
    if not jobs:
        pytest.skip("no jobs/ scripts in this checkout")
    dropped = dropped_personal_names()
    offenders = {job.name: sorted(string_constants(job.read_text()) & dropped) for job in jobs}
    offenders = {name: found for name, found in offenders.items() if found}
    assert not offenders, f"jobs read personal fields the raw zone does not keep (add them to the inventory): {offenders}"


def test_the_read_tracker_sees_a_read_of_an_unlisted_field():
    reads: set[str] = set()
    status = wrap(make_status(1_735_689_700_000, 1, make_account(2)), "", reads)
    status["account"].get("display_name")
    assert "account.display_name" in reads
    assert "account.display_name" not in set(kept_paths()) | containers_of(set(kept_paths()))
