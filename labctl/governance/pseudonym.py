"""Keyed-HMAC pseudonyms for account handles (authors and mentions).

Curated data and HBase carry `pseudonym(handle)` instead of the handle. The key
is a lab secret kept outside the data lake (`.lab/secrets/pseudonym-key`); without
it a pseudonym cannot be recomputed from a guessed handle, and re-identification
goes through the separate mapping table that only the allowed roles may read.
Pseudonymised data is still personal data (GDPR recital 26): see docs/gdpr/.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from labctl.core.errors import LabError

PREFIX = "u_"
DIGEST_HEX_CHARS = 20  # 80 bits: collisions are negligible for any instance's population


class Pseudonymiser:
    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes")
        self._key = key

    def pseudonym(self, handle: str) -> str:
        """Stable for a given key and handle (handles are compared lower-cased)."""
        # surrogatepass: a handle read from a JSON "\ud800" escape holds a lone surrogate; it
        # must get a pseudonym, not fail the run (the bad-input corpus has one).
        digest = hmac.new(self._key, handle.lower().encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        return PREFIX + digest[:DIGEST_HEX_CHARS]


def is_pseudonym(text: str) -> bool:
    return text.startswith(PREFIX) and len(text) == len(PREFIX) + DIGEST_HEX_CHARS and all(c in "0123456789abcdef" for c in text[len(PREFIX):])


# The sections of the metric document (docs/metrics.md) whose keys are account handles.
HANDLE_KEYED_SECTIONS = ("followers", "engagement", "mentions")

KEY_FILE_ENV = "LABCTL_PSEUDONYM_KEY_FILE"
# Where compose mounts the key in the Airflow containers (the edge node).
CONTAINER_KEY_FILE = Path("/run/lab-secrets/pseudonym-key")


class KeyUnavailable(LabError):
    """The pseudonymisation key cannot be read here."""


def key_file(environ: Mapping[str, str] | None = None) -> Path:
    """Where the key is: LABCTL_PSEUDONYM_KEY_FILE, else the compose secret on the edge node,
    else the lab's secrets directory on the host."""
    env = os.environ if environ is None else environ
    if env.get(KEY_FILE_ENV):
        return Path(env[KEY_FILE_ENV])
    if CONTAINER_KEY_FILE.exists():
        return CONTAINER_KEY_FILE
    from labctl.core.manifest import Manifest
    from labctl.core.secrets import secrets_dir

    return secrets_dir(Manifest()) / "pseudonym-key"


def load_pseudonymiser(path: Path | None = None) -> Pseudonymiser:
    """The lab's pseudonymiser, from `path` or `key_file()`; a clear error when unreadable."""
    path = path or key_file()
    try:
        key = path.read_text(encoding="utf-8").strip().encode()
    except OSError as exc:
        raise KeyUnavailable(f"cannot read the pseudonymisation key {path}: {exc.strerror or exc}",
                             hint=f"`labctl up` creates it; or point {KEY_FILE_ENV} at it") from None
    try:
        return Pseudonymiser(key)
    except ValueError as exc:
        raise KeyUnavailable(f"{path}: {exc}") from None


class PseudonymCollision(ValueError):
    """Two handles share a pseudonym: publishing would merge two people's figures."""


def pseudonymise_metrics(
    metrics: Mapping[str, Any],
    pseudonymiser: Pseudonymiser,
    rank: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The metric document with every handle key replaced by its pseudonym; the figures are
    unchanged. `rank(section, entries)` orders a section again (the order of a top-N list
    breaks ties by key, and the keys changed); without it the input order is kept. The result
    shares nothing with the input."""
    published: dict[str, Any] = {}
    for section, value in copy.deepcopy(dict(metrics)).items():
        if section not in HANDLE_KEYED_SECTIONS:
            published[section] = value
            continue
        entries: dict[str, Any] = {}
        for handle, entry in value.items():
            pseudonym = pseudonymiser.pseudonym(handle)
            if pseudonym in entries:
                raise PseudonymCollision(f"{section}: two handles share the pseudonym {pseudonym}")
            entries[pseudonym] = entry
        published[section] = rank(section, entries) if rank else entries
    return published
