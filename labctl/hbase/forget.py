"""Erase one account from every table (right to erasure; called by the governance work).

The account's rows are found without knowing their counts: in `accounts`, its salt bucket is
scanned for keys ending in its pseudonym; in `rank`, the person sections are scanned for keys
ending in it (the pseudonym is the last field of both keys); `reid` holds it as the key.

URLs are counted in clear (rank section `urls` and the `terms` table, a family without TTL),
and a link to the account's profile or posts names it: given the account's texts (its handle
and profile URLs, as `labctl.governance.handles.Needles` matches them), those rows go too, in
every run. Aggregates that cannot name anyone (totals, growth, languages...) stay.
"""

from __future__ import annotations

from labctl.governance.pseudonym import Pseudonymiser, is_pseudonym
from labctl.hbase import keys
from labctl.hbase.loader import DEFAULT_BATCH_SIZE, delete_keys
from labctl.hbase.queries import to_pseudonym
from labctl.hbase.schema import ACCOUNTS, NAMESPACE, PERSON_SECTIONS, RANK, REID, TERMS

URL_SECTION = "urls"  # the one term section whose names can name an account (a link to its profile)


def _ending_with(pseudonym: str) -> str:
    # Pseudonyms are [a-z0-9_] only, so they need no escaping inside the regular expression.
    if not is_pseudonym(pseudonym):
        raise ValueError(f"not a pseudonym: {pseudonym!r}")
    return f"RowFilter(=, 'regexstring:{pseudonym}$') AND KeyOnlyFilter() AND FirstKeyOnlyFilter()"


def _naming(pattern: str, prefix: str = "") -> str:
    """A server-side filter on row keys holding `pattern` (a regular expression that Java
    and Python read alike), keys only."""
    return f"RowFilter(=, 'regexstring:{prefix}(?i:{pattern.replace(chr(39), chr(39) * 2)})') AND KeyOnlyFilter() AND FirstKeyOnlyFilter()"


def forget_account(
    connection,
    handle_or_pseudonym: str,
    *,
    pseudonymiser: Pseudonymiser | None = None,
    namespace: str = NAMESPACE,
    naming: str | None = None,
) -> dict[str, int]:
    """Delete the account's rows in every table and every run; returns the rows deleted per table.

    A handle needs the pseudonymiser (by default the lab's key); a pseudonym does not.
    `naming`, a regular expression matching the account's handle and profile URLs
    (`Needles.pattern`), also deletes the URL rows that name it (`url_rank`, `url_terms`).
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

    if naming:
        found = [key for key, _ in rank.scan(row_prefix=keys.encode(URL_SECTION + keys.SEP), filter=_naming(naming))]
        deleted["url_rank"] = delete_keys(rank, found, DEFAULT_BATCH_SIZE)
        terms = connection.table(TERMS.full_name(namespace))
        # terms keys are <salt>|<run>|<section>|<name>: only the urls section, in every bucket and run.
        in_urls = rf"^[0-9a-f]{{2}}\|[^|]*\|{URL_SECTION}\|.*"
        found = [key for key, _ in terms.scan(filter=_naming(naming, prefix=in_urls))]
        deleted["url_terms"] = delete_keys(terms, found, DEFAULT_BATCH_SIZE)
    return deleted
