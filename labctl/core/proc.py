"""Every subprocess labctl starts goes through run(): on failure the error keeps
the command line (pasteable) and its output."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from labctl.core.errors import CommandError


def run(
    argv: list[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    capture: bool = True,
    check: bool = True,
    hint: str | None = None,
    input_text: str | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        argv,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        text=True,
        input=input_text,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise CommandError(argv, result.returncode, result.stdout or "", hint=hint)
    return result
