"""Trace one personal field, the author's handle (`account.acct`), from the API to HBase.

Answer each question by setting the constant under it. Where to look: the register of
processing activities (docs/gdpr/register.md, generated from labctl/governance/inventory.py),
docs/hbase-schema.md and labctl/hbase/schema.py, docs/access.md.
"""

from __future__ import annotations

FIELD = "account.acct"

# Is the handle personal data under the GDPR (True or False)?
### BEGIN SOLUTION
PERSONAL = True
### END SOLUTION

# Does the lab keep it in the raw zone, after minimisation at ingestion (True or False)?
### BEGIN SOLUTION
KEPT_IN_RAW = True
### END SOLUTION

# Is it replaced by a pseudonym in the curated zone and in HBase (True or False)?
### BEGIN SOLUTION
PSEUDONYMISED = True
### END SOLUTION

# Which HBase tables of the `mastodon` namespace hold rows about a person (under their
# pseudonym or their handle)? A sorted list of table names.
### BEGIN SOLUTION
PERSON_TABLES = ["accounts", "rank", "reid"]
### END SOLUTION

# Which one table holds the handle itself, so that `--reveal` can turn a pseudonym back?
### BEGIN SOLUTION
HANDLE_TABLE = "reid"
### END SOLUTION

# After how many days does HBase drop a person's cells by itself (their column families' TTL)?
### BEGIN SOLUTION
PERSON_TTL_DAYS = 30
### END SOLUTION

# Of these fields of the author's account, which does ingestion drop (a sorted list)?
# account.display_name, account.note, account.followers_count, account.created_at,
# account.avatar, account.url, account.fields, account.bot
### BEGIN SOLUTION
DROPPED = ["account.avatar", "account.display_name", "account.fields", "account.note"]
### END SOLUTION
