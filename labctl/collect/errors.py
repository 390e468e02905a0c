"""Failures of collection and ingestion, each with what to do about it.

This module depends on nothing else of labctl.collect: the modules that raise these errors
(the client, the token, the access check) all import it.
"""

from __future__ import annotations

from typing import Protocol

from labctl.core.errors import LabError


class CollectError(LabError):
    """Collection or ingestion cannot go on."""


class TokenError(CollectError):
    """The access token is missing, unreadable or stored unsafely."""


class Refusal(Protocol):
    """What an access check found (labctl.collect.access.AccessReport)."""

    instance_url: str

    @property
    def problems(self) -> list[str]: ...


class AccessDenied(CollectError):
    """The token or the instance's settings do not allow what was asked."""

    def __init__(self, report: Refusal):
        self.report = report
        super().__init__(
            f"cannot collect from {report.instance_url}: " + "; ".join(report.problems),
            hint="`labctl token check --instance URL` shows the token's scopes and what the instance allows",
        )
