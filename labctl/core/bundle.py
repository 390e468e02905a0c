"""`labctl logs --export FILE`: one tarball for a bug report or a CI artifact.

It holds every container's log, `labctl status --json` and `labctl version --json`, each
scrubbed of the lab's secrets: every value under .lab/secrets/ (and each string inside
its JSON files), a Mastodon token from the environment, in the forms they take in a log
(as they are, URL-encoded, JSON-escaped).
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
from pathlib import Path
from urllib.parse import quote

from labctl.core.manifest import Manifest
from labctl.core.secrets import secrets_dir

SCRUBBED = "[secret scrubbed]"
# Shorter values would scrub ordinary words; every generated secret is far longer.
MIN_SECRET_LENGTH = 8


def secret_values(manifest: Manifest, environ: dict[str, str] | None = None) -> list[str]:
    """Every secret the lab knows, longest first (a secret inside another goes after it)."""
    environ = os.environ if environ is None else environ
    found: set[str] = set()
    directory = secrets_dir(manifest)
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        text = path.read_text(errors="replace").strip()
        found.add(text)
        try:
            document = json.loads(text)
        except ValueError:
            continue
        if isinstance(document, dict):
            found.update(value for value in document.values() if isinstance(value, str))
    found.add(environ.get("MASTODON_ACCESS_TOKEN", ""))
    token_file = environ.get("MASTODON_ACCESS_TOKEN_FILE")
    if token_file and Path(token_file).is_file():
        found.add(Path(token_file).read_text(errors="replace").strip())
    return sorted((value for value in found if len(value) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def _forms(secret: str) -> list[str]:
    return list(dict.fromkeys([secret, quote(secret, safe=""), json.dumps(secret)[1:-1]]))


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        for form in _forms(secret):
            text = text.replace(form, SCRUBBED)
    return text


def write_bundle(path: Path, files: dict[str, str], secrets: list[str]) -> list[str]:
    """A gzipped tarball of these files (name -> text), scrubbed; mode 0600. Returns the names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    now = int(time.time())
    root = path.name.split(".")[0] or "labctl-logs"
    with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as tar:
        for name, text in files.items():
            data = scrub(text, secrets).encode()
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size, info.mtime, info.mode = len(data), now, 0o600
            tar.addfile(info, io.BytesIO(data))
    return list(files)


def container_logs(engine, project: str) -> dict[str, str]:
    """Every container of the lab, running or not, with timestamps (the Docker SDK)."""
    logs = {}
    for container in engine.containers.list(all=True, filters={"label": f"com.docker.compose.project={project}"}):
        logs[f"logs/{container.name}.log"] = container.logs(timestamps=True).decode(errors="replace")
    return logs
