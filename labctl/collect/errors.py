"""Failures of collection and ingestion, each with what to do about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labctl.core.errors import LabError

if TYPE_CHECKING:
    from labctl.collect.access import AccessReport


class CollectError(LabError):
    """Collection or ingestion cannot go on."""


class TokenError(CollectError):
    """The access token is missing, unreadable or stored unsafely."""


class AccessDenied(CollectError):
    """The token or the instance's settings do not allow what was asked."""

    def __init__(self, report: AccessReport):
        self.report = report
        super().__init__(
            f"cannot collect from {report.instance_url}: " + "; ".join(report.problems),
            hint="`labctl token check --instance URL` shows the token's scopes and what the instance allows",
        )
