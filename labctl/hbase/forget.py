"""Erase one account from every table (right to erasure; called by the governance work).

The account's rows are found without knowing their counts: in `accounts`, its salt bucket is
scanned for keys ending in its pseudonym; in `rank`, the person sections are scanned for keys
ending in it (the pseudonym is the last field of both keys); `reid` holds it as the key.
Aggregates that hold no handle (totals, growth, tags...) are left as they are.
"""

from __future__ import annotations

from labctl.governance.pseudonym import Pseudonymiser, is_pseudonym
from labctl.hbase import keys
from labctl.hbase.loader import DEFAULT_BATCH_SIZE, delete_keys
from labctl.hbase.queries import to_pseudonym
from labctl.hbase.schema import ACCOUNTS, NAMESPACE, PERSON_SECTIONS, RANK, REID


def _ending_with(pseudonym: str) -> str:
    # Pseudonyms are [a-z0-9_] only, so they need no escaping inside the regular expression.
    if not is_pseudonym(pseudonym):
        raise ValueError(f"not a pseudonym: {pseudonym!r}")
    return f"RowFilter(=, 'regexstring:{pseudonym}$') AND KeyOnlyFilter() AND FirstKeyOnlyFilter()"


def forget_account(
    connection,
    handle_or_pseudonym: str,
    *,
    pseudonymiser: Pseudonymiser | None = None,
    namespace: str = NAMESPACE,
) -> dict[str, int]:
    """Delete the account's rows in every table and every run; returns the rows deleted per table.

    A handle needs the pseudonymiser (by default the lab's key); a pseudonym does not.
    """
    if pseudonymiser is None and not is_pseudonym(handle_or_pseudonym.strip()):
        from labctl.core.manifest import Manifest
        from labctl.core.secrets import pseudonym_key

        pseudonymiser = Pseudonymiser(pseudonym_key(Manifest()))
    pseudonym = to_pseudonym(handle_or_pseudonym, pseudonymiser)
    row_filter = _ending_with(pseudonym)
    deleted = {}

    rank = connection.table(RANK.full_name(namespace))
    found = [
        key
        for section in PERSON_SECTIONS
        for key, _ in rank.scan(row_prefix=keys.encode(section + keys.SEP), filter=row_filter)
    ]
    deleted[RANK.name] = delete_keys(rank, found, DEFAULT_BATCH_SIZE)

    accounts = connection.table(ACCOUNTS.full_name(namespace))
    bucket = keys.encode(keys.salt(pseudonym) + keys.SEP)
    found = [key for key, _ in accounts.scan(row_prefix=bucket, filter=row_filter)]
    deleted[ACCOUNTS.name] = delete_keys(accounts, found, DEFAULT_BATCH_SIZE)

    reid = connection.table(REID.full_name(namespace))
    present = bool(reid.row(keys.encode(pseudonym)))
    reid.delete(keys.encode(pseudonym))
    deleted[REID.name] = int(present)
    return deleted
