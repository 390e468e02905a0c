"""The ingestion policy restated from docs/gdpr/ and docs/data-lake.md, for the tests'
expectations: a record is not ingested when its author, or the author of the original it
boosts, set `noindex`, or was forgotten (`labctl gdpr forget`) before the collection."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from labctl.core import edge as edge_node
from labctl.core.secrets import pseudonym_key
from labctl.governance.pseudonym import Pseudonymiser


def authors(entry: dict) -> list[dict]:
    found = [entry.get("account")] + ([entry["reblog"].get("account")] if isinstance(entry.get("reblog"), dict) else [])
    return [author for author in found if isinstance(author, dict)]


def noindex(entry: dict) -> bool:
    return any(author.get("noindex") is True for author in authors(entry))


def handle_of(account: dict) -> str:
    acct = account.get("acct", "")
    return acct.lower() if "@" in acct else f"{acct}@{urlsplit(account.get('url') or '').hostname}".lower()


def erased_pseudonyms() -> set[str]:
    """Accounts forgotten so far, from the erasure audit log (it names them by pseudonym)."""
    code, output = edge_node.run_labctl(["gdpr", "erasures", "--json"])
    assert code == 0, output
    records = json.loads(output[output.index("["):])
    return {record["subject"]["pseudonym"] for record in records if record["kind"] == "forget"}


def ingestion_filter(manifest) -> Callable[[list[dict]], list[dict]]:
    """The entries a collection starting now would ingest, out of the given ones."""
    erased, pseudonymiser = erased_pseudonyms(), Pseudonymiser(pseudonym_key(manifest))

    def keep(entries: list[dict]) -> list[dict]:
        return [entry for entry in entries if not noindex(entry)
                and not any(pseudonymiser.pseudonym(handle_of(author)) in erased for author in authors(entry))]

    return keep
