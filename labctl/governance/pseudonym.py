"""Keyed-HMAC pseudonyms for account handles (authors and mentions).

Curated data and HBase carry `pseudonym(handle)` instead of the handle. The key
is a lab secret kept outside the data lake (`.lab/secrets/pseudonym-key`); without
it a pseudonym cannot be recomputed from a guessed handle, and re-identification
goes through the separate mapping table that only the allowed roles may read.
Pseudonymised data is still personal data (GDPR recital 26): see docs/gdpr/.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "u_"
DIGEST_HEX_CHARS = 20  # 80 bits: collisions are negligible for any instance's population


class Pseudonymiser:
    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes")
        self._key = key

    def pseudonym(self, handle: str) -> str:
        """Stable for a given key and handle (handles are compared lower-cased)."""
        digest = hmac.new(self._key, handle.lower().encode("utf-8"), hashlib.sha256).hexdigest()
        return PREFIX + digest[:DIGEST_HEX_CHARS]


def is_pseudonym(text: str) -> bool:
    return text.startswith(PREFIX) and len(text) == len(PREFIX) + DIGEST_HEX_CHARS and all(c in "0123456789abcdef" for c in text[len(PREFIX):])
