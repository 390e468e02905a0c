"""Re-identification: pseudonyms back to handles, through `mastodon:reid`, for allowed users only.

`allowed_to_reveal()` is the one place that decides: a role allowed to re-identify
(labctl/governance/roles.py, docs/access.md) that can also read the pseudonymisation key.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from labctl.governance.pseudonym import HANDLE_KEYED_SECTIONS, is_pseudonym
from labctl.hbase import keys
from labctl.hbase.schema import NAMESPACE, REID

# Sections whose keys are account pseudonyms.
PERSON_KEYED = HANDLE_KEYED_SECTIONS


class RevealRefused(PermissionError):
    """The caller may not see real handles."""


def allowed_to_reveal() -> bool:
    """Only a role allowed to re-identify (docs/access.md; LABCTL_ROLE, default admin)
    that can also read the pseudonymisation key may see handles."""
    from labctl.core.manifest import Manifest
    from labctl.core.secrets import secrets_dir
    from labctl.governance.roles import current_role, may_reveal

    return may_reveal(current_role()) and os.access(secrets_dir(Manifest()) / "pseudonym-key", os.R_OK)


def pseudonyms_in(document: dict[str, Any]) -> list[str]:
    found = dict.fromkeys(key for section in PERSON_KEYED for key in document.get(section, {}) if is_pseudonym(key))
    return list(found)


def reveal(
    connection,
    document: dict[str, Any],
    *,
    namespace: str = NAMESPACE,
    allowed: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """The same document with real handles as keys (order kept); unknown pseudonyms stay as they are.

    `allowed` defaults to this module's `allowed_to_reveal`, looked up at call time.
    """
    if not (allowed or allowed_to_reveal)():
        raise RevealRefused("revealing handles is not allowed for this user (it needs read access to the lab's secrets)")
    wanted = pseudonyms_in(document)
    rows = connection.table(REID.full_name(namespace)).rows([keys.encode(p) for p in wanted], columns=[b"h:handle"]) if wanted else []
    handles = {keys.decode(key): keys.decode(row[b"h:handle"]) for key, row in rows if b"h:handle" in row}
    return {
        section: ({handles.get(key, key): entry for key, entry in value.items()} if section in PERSON_KEYED else value)
        for section, value in document.items()
    }
