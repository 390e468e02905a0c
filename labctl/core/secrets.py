"""The lab's generated secrets, kept in its state directory (never in git or images).

Created once, at the first `labctl up`, with mode 0600 in a 0700 directory;
compose mounts them as secrets and the containers read them from files, so no
secret appears in an environment variable, `docker inspect` or a command line.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from pathlib import Path

from labctl.core.addresses import postgres_url
from labctl.core.manifest import Manifest

AIRFLOW_ADMIN = "admin"


def _staged(path: Path, content: str) -> Path:
    """`content` in a new 0600 file next to `path`, flushed to disk: renaming it into place
    is then the only step, so a crash leaves either the old file or the new one, whole."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:  # mkstemp creates it 0600
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _write_private(path: Path, content: str) -> None:
    """Create `path` with `content`, never over an existing file (a secret is never rotated)."""
    staged = _staged(path, content)
    try:
        os.link(staged, path)  # atomic, and fails if the file appeared meanwhile
    finally:
        os.unlink(staged)


def _replace_private(path: Path, content: str) -> None:
    os.replace(_staged(path, content), path)


def secrets_dir(manifest: Manifest) -> Path:
    return manifest.state_dir / "secrets"


def ensure_secrets(manifest: Manifest) -> Path:
    """Generate whichever secret is missing; never rotate one that exists."""
    directory = secrets_dir(manifest)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(manifest.state_dir, 0o700)
    os.chmod(directory, 0o700)
    db_password = _ensure(directory / "postgres-password", lambda: secrets.token_urlsafe(24))
    _ensure(directory / "airflow-db-conn", lambda: postgres_url(db_password, manifest))
    _ensure(directory / "airflow-fernet-key", lambda: base64.urlsafe_b64encode(os.urandom(32)).decode())
    _ensure(directory / "airflow-jwt-secret", lambda: secrets.token_urlsafe(32))
    _ensure_airflow_passwords(directory / "airflow-passwords.json", airflow_logins(manifest))
    _ensure(directory / "pseudonym-key", lambda: secrets.token_hex(32))
    # What the replay server accepts when it requires a token (live-mode tests).
    _ensure(directory / "replay-token", lambda: secrets.token_urlsafe(32))
    # JupyterLab's token (the optional notebook service reads it from its secret file).
    _ensure(directory / "notebook-token", lambda: secrets.token_urlsafe(32))
    return directory


def notebook_token(manifest: Manifest) -> str | None:
    path = secrets_dir(manifest) / "notebook-token"
    return path.read_text().strip() if path.exists() else None


def pseudonym_key(manifest: Manifest) -> bytes:
    """The HMAC key of the handles' pseudonyms: a lab secret, never in the lake."""
    return (secrets_dir(manifest) / "pseudonym-key").read_text().strip().encode()


def airflow_logins(manifest: Manifest) -> list[str]:
    """The logins of AIRFLOW_USERS (`name:role,...` in stack/lab.env)."""
    return [entry.split(":", 1)[0] for entry in manifest["AIRFLOW_USERS"].split(",") if entry]


def _ensure_airflow_passwords(path: Path, logins: list[str]) -> None:
    """A password for every login; existing ones are kept (a new role adds a line)."""
    current = json.loads(path.read_text()) if path.exists() else {}
    missing = [login for login in logins if login not in current]
    if not missing:
        return
    current.update({login: secrets.token_urlsafe(12) for login in missing})
    _replace_private(path, json.dumps(current))


def airflow_passwords(manifest: Manifest) -> dict[str, str]:
    path = secrets_dir(manifest) / "airflow-passwords.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _ensure(path: Path, make) -> str:
    if not path.exists():
        _write_private(path, make())
    return path.read_text()


def airflow_login(manifest: Manifest) -> tuple[str, str]:
    path = secrets_dir(manifest) / "airflow-passwords.json"
    if not path.exists():
        return AIRFLOW_ADMIN, "(not generated yet: run `labctl up`)"
    return AIRFLOW_ADMIN, json.loads(path.read_text())[AIRFLOW_ADMIN]
