"""Row keys: pure functions, shared by the loader, the queries and the tests.

Three layouts, each chosen for the reads it serves (docs/hbase-schema.md):

    rank      <section>|<run>|<16 hex: inverted count>|<entity>   top-N: scan N rows from the prefix
              <section>|<run>|<group>|<16 hex>|<entity>          top-N within a group (a region's languages)
    accounts  <salt>|<run>|<pseudonym>                            one account: a get
    terms     <salt>|<run>|<section>|<name>                       one tag, url...: a get

The inverted count is fixed width, so byte order is count descending and then entity ascending
(UTF-8 keeps code point order, Python's order of str). The entity is always the last field, so
it is never escaped. Run ids may not contain the separator; the salt is two hex characters.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct

SEP = "|"
SALT_BUCKETS = 16
_U64 = (1 << 64) - 1
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1
_RUN_ID = re.compile(r"[\x21-\x7e]{1,100}")
# HBase refuses keys above Short.MAX_VALUE bytes.
MAX_KEY_BYTES = 32767


class KeyEncodingError(ValueError):
    """A value cannot be put in a row key (bad run id, count out of range, key too long)."""


def encode(text: str) -> bytes:
    # Lone surrogates occur in real statuses ("\ud800" escaped in JSON); they keep their code
    # point order under surrogatepass, so the ranking stays Python's str order.
    return text.encode("utf-8", "surrogatepass")


def decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")


def check_run_id(run_id: str) -> str:
    """Printable ASCII without spaces or '|' (a data interval in ISO 8601 qualifies)."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id) or SEP in run_id:
        raise KeyEncodingError(f"invalid run id {run_id!r}: 1 to 100 printable ASCII characters, no space and no {SEP!r}")
    return run_id


def desc_int(n: int) -> str:
    """16 hex digits whose byte order is n descending, for any signed 64-bit integer."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise KeyEncodingError(f"a count must be an integer, got {n!r}")
    if not _INT_MIN <= n <= _INT_MAX:
        raise KeyEncodingError(f"count {n} is outside the signed 64-bit range")
    return f"{_INT_MAX - n:016x}"


def desc_float(x: float) -> str:
    """16 hex digits whose byte order is x descending (IEEE 754 bits made order-preserving)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)) or math.isnan(x):
        raise KeyEncodingError(f"a rate must be a number, got {x!r}")
    x = float(x) + 0.0  # -0.0 and 0.0 are one value, and must be one key
    (bits,) = struct.unpack(">Q", struct.pack(">d", x))
    ordered = bits ^ (1 << 63) if bits >> 63 == 0 else ~bits & _U64
    return f"{_U64 - ordered:016x}"


def salt(text: str, buckets: int = SALT_BUCKETS) -> str:
    """The bucket of a key, from a hash of its natural part: spreads writes over the pre-split regions."""
    digest = hashlib.md5(encode(text), usedforsecurity=False).digest()
    return f"{int.from_bytes(digest[:4], 'big') % buckets:02x}"


def salt_splits(buckets: int = SALT_BUCKETS) -> list[bytes]:
    """Split keys giving one region per salt bucket."""
    return [f"{bucket:02x}".encode() for bucket in range(1, buckets)]


def _checked(key: str) -> bytes:
    raw = encode(key)
    if len(raw) > MAX_KEY_BYTES:
        raise KeyEncodingError(f"row key of {len(raw)} bytes is longer than HBase's {MAX_KEY_BYTES}: {key[:80]!r}...")
    return raw


def rank_prefix(section: str, run_id: str) -> bytes:
    return encode(f"{section}{SEP}{run_id}{SEP}")


def rank_key(section: str, run_id: str, order: str, entity: str) -> bytes:
    """`order` is desc_int(count) or desc_float(rate); '' for rows kept in entity order (months)."""
    return _checked(f"{section}{SEP}{run_id}{SEP}{order}{entity}")


def rank_entity(key: bytes, section: str, run_id: str, ordered: bool = True) -> str:
    """The entity of a rank key (the inverse of rank_key)."""
    rest = key[len(rank_prefix(section, run_id)) :]
    return decode(rest[16:] if ordered else rest)


def check_group(group: str) -> str:
    """A group (a region) is a key field of its own: it may not hold the separator."""
    if not group or SEP in group:
        raise KeyEncodingError(f"invalid group {group!r}: a non-empty name without {SEP!r}")
    return group


def group_rank_prefix(section: str, run_id: str, group: str) -> bytes:
    return encode(f"{section}{SEP}{run_id}{SEP}{check_group(group)}{SEP}")


def group_rank_key(section: str, run_id: str, group: str, order: str, entity: str) -> bytes:
    """A rank key ordered within `group`: the group's top-N is a scan of N rows from its prefix."""
    return _checked(f"{section}{SEP}{run_id}{SEP}{check_group(group)}{SEP}{order}{entity}")


def group_rank_entity(key: bytes, section: str, run_id: str, group: str) -> str:
    return decode(key[len(group_rank_prefix(section, run_id, group)) + 16 :])


def account_key(run_id: str, pseudonym: str) -> bytes:
    return _checked(f"{salt(pseudonym)}{SEP}{run_id}{SEP}{pseudonym}")


def term_key(run_id: str, section: str, name: str) -> bytes:
    return _checked(f"{salt(section + SEP + name)}{SEP}{run_id}{SEP}{section}{SEP}{name}")


def bucket_prefixes(run_id: str, buckets: int = SALT_BUCKETS) -> list[bytes]:
    """The prefix of a run's rows in every salt bucket (accounts and terms)."""
    return [encode(f"{bucket:02x}{SEP}{run_id}{SEP}") for bucket in range(buckets)]
