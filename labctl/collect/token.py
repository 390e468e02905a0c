"""The Mastodon access token: from the environment or a private file, never from argv.

The token is wrapped in `Secret` so that printing, logging or formatting it by mistake
shows a mask, not the token; `reveal()` is the one way to get the string.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from labctl.collect.errors import TokenError

TOKEN_ENV = "MASTODON_ACCESS_TOKEN"
TOKEN_FILE_ENV = "MASTODON_ACCESS_TOKEN_FILE"


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self):  # never pickled into a task payload or a cache
        raise TypeError("a Secret cannot be pickled")


def read_token_file(path: Path) -> Secret:
    """The token in a file readable by its owner only (mode 0600 or stricter)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise TokenError(f"token file {path} does not exist", hint=f"check {TOKEN_FILE_ENV}") from None
    if not stat.S_ISREG(info.st_mode):
        raise TokenError(f"token file {path} is not a regular file")
    if info.st_mode & 0o077:
        raise TokenError(
            f"token file {path} is readable by others (mode {stat.S_IMODE(info.st_mode):04o}); "
            "it must be 0600 or stricter",
            hint=f"chmod 600 {path}",
        )
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenError(f"cannot read token file {path}: {exc.__class__.__name__}") from None
    if not value or any(ch.isspace() for ch in value):
        raise TokenError(f"token file {path} must hold exactly one token on one line")
    return Secret(value)


def load_token(environ: Mapping[str, str] | None = None) -> Secret | None:
    """The token from MASTODON_ACCESS_TOKEN or the file MASTODON_ACCESS_TOKEN_FILE names; None if neither."""
    env = os.environ if environ is None else environ
    direct = env.get(TOKEN_ENV, "").strip()
    file_name = env.get(TOKEN_FILE_ENV, "").strip()
    if direct and file_name:
        raise TokenError(f"both {TOKEN_ENV} and {TOKEN_FILE_ENV} are set: set only one")
    if file_name:
        return read_token_file(Path(file_name))
    return Secret(direct) if direct else None
