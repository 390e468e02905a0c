"""Before collecting: does the token have the scopes, and does the instance let it read the feed?

Scopes come from GET /api/v1/apps/verify_credentials (Mastodon 4.3+ lists them). Feed access
comes from the v2 instance API's `configuration.timelines_access` (Mastodon 4.4+): each of
live_feeds / hashtag_feeds has a `local` and a `remote` half set to "public" (anyone),
"authenticated" (a token is needed) or "disabled" (staff only: everybody else gets an
empty list, which would look like a quiet timeline). Servers without the v2 API, or without
that setting, are reported as "not stated" and collection proceeds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mastodon.errors import MastodonAPIError, MastodonUnauthorizedError

from labctl.collect.client import MastodonClient, api_error_text
from labctl.collect.errors import CollectError
from labctl.collect.timelines import Timeline

# What collecting timelines needs; "read" (the parent scope) covers both.
REQUIRED_SCOPES = ("read:statuses", "read:accounts")
SEARCH_SCOPE = "read:search"
_READ_ONLY_PREFIX = "read"

# What `labctl token check` reports on when no timeline is named ("tag:*": any hashtag).
ALL_TIMELINES = (Timeline("public"), Timeline("local"), Timeline("tag", "*"))


def needed_scopes(*, search: bool = False) -> tuple[str, ...]:
    return REQUIRED_SCOPES + ((SEARCH_SCOPE,) if search else ())


def missing_scopes(granted: Iterable[str], needed: Sequence[str]) -> list[str]:
    """The needed scopes the grant does not cover (a parent scope such as `read` covers `read:x`)."""
    have = set(granted)
    return [scope for scope in needed if scope not in have and scope.split(":", 1)[0] not in have]


def excess_scopes(granted: Iterable[str]) -> list[str]:
    """Scopes beyond reading: the collector never writes, so a token should not allow it."""
    return sorted(scope for scope in set(granted) if scope.split(":", 1)[0] != _READ_ONLY_PREFIX)


def feed_problems(timelines_access: dict[str, Any] | None, timeline: Timeline, *, authenticated: bool) -> list[str]:
    """Why the instance would not serve this timeline to this client; [] if it would, or if unknown."""
    if not timelines_access:
        return []
    feed = timelines_access.get(timeline.feed_key)
    if not isinstance(feed, dict):
        return []
    problems = []
    for half in timeline.feed_scopes:
        setting = feed.get(half)
        where = f"{timeline.feed_key}.{half}"
        if setting in (None, "public"):
            continue
        if setting == "authenticated":
            if not authenticated:
                problems.append(f"{timeline.label}: the instance serves {where} to logged-in users only; "
                                "set MASTODON_ACCESS_TOKEN or MASTODON_ACCESS_TOKEN_FILE")
        elif setting == "disabled":
            problems.append(f"{timeline.label}: {where} is disabled on this instance "
                            "(only its staff can read it; others get an empty list)")
        else:
            problems.append(f"{timeline.label}: unknown access setting {where}={setting!r}")
    return problems


@dataclass
class AccessReport:
    instance_url: str
    domain: str
    version: str
    instance_api: str  # "v2", or "v1" for servers without the v2 instance API
    timelines_access: dict[str, Any] | None
    authenticated: bool
    scopes: list[str] | None  # None: no token, or the server does not say
    missing_scopes: list[str] = field(default_factory=list)
    excess_scopes: list[str] = field(default_factory=list)
    feeds: dict[str, list[str]] = field(default_factory=dict)  # timeline label -> problems
    token_problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        found = list(self.token_problems)
        if self.missing_scopes:
            found.append("the token lacks the scope(s) " + ", ".join(self.missing_scopes)
                         + " (a token with the `read` scope covers them)")
        for problems in self.feeds.values():
            found.extend(problems)
        return found

    @property
    def ok(self) -> bool:
        return not self.problems


def _domain(document: dict[str, Any], key: str, fallback_url: str) -> str:
    value = document.get(key)
    if isinstance(value, str) and value:
        return (urlsplit(value).hostname or value) if "://" in value else value
    return urlsplit(fallback_url).hostname or fallback_url


def check_access(
    client: MastodonClient, timelines: Sequence[Timeline], *, search: bool = False
) -> AccessReport:
    """What this client may read on this instance, and what stands in the way of `timelines`."""
    v2 = client.instance_v2()
    if v2 is not None:
        configuration = v2.get("configuration") if isinstance(v2.get("configuration"), dict) else {}
        access = configuration.get("timelines_access")
        report = AccessReport(client.base_url, _domain(v2, "domain", client.base_url), str(v2.get("version", "")),
                              "v2", access if isinstance(access, dict) else None, client.authenticated, None)
    else:
        try:
            v1 = client.instance_v1()
        except MastodonAPIError as exc:
            raise CollectError(f"{client.base_url} does not answer the Mastodon instance API "
                               f"({api_error_text(exc)})", hint="is it the base URL of a Mastodon-compatible server?"
                               ) from None
        report = AccessReport(client.base_url, _domain(v1, "uri", client.base_url), str(v1.get("version", "")),
                              "v1", None, client.authenticated, None)
        report.notes.append("no v2 instance API (not Mastodon 4.0+): feed access is not stated, assumed open")
    if report.instance_api == "v2" and report.timelines_access is None:
        report.notes.append("the instance does not state timelines_access (Mastodon < 4.4): assumed open")

    needed = needed_scopes(search=search)
    if client.authenticated:
        _check_scopes(client, report, needed)
    else:
        report.notes.append("no access token: reading as an anonymous client")

    for timeline in timelines:
        report.feeds[timeline.label] = feed_problems(report.timelines_access, timeline,
                                                     authenticated=client.authenticated and not report.token_problems)
    return report


def _check_scopes(client: MastodonClient, report: AccessReport, needed: Sequence[str]) -> None:
    try:
        app = client.app_credentials()
    except MastodonUnauthorizedError as exc:
        report.token_problems.append(f"the instance rejects the token ({api_error_text(exc)}): "
                                     "it is wrong, expired or revoked")
        return
    except MastodonAPIError as exc:
        report.notes.append(f"cannot read the token's application ({api_error_text(exc)})")
        app = {}
    scopes = app.get("scopes") if isinstance(app, dict) else None
    if isinstance(scopes, list) and all(isinstance(s, str) for s in scopes):
        report.scopes = sorted(scopes)
        report.missing_scopes = missing_scopes(scopes, needed)
        report.excess_scopes = excess_scopes(scopes)
        return
    # Before Mastodon 4.3 the scopes are not listed: probe the one endpoint we can.
    report.notes.append("the server does not list the token's scopes (Mastodon < 4.3?): probing")
    try:
        client.account_credentials()
    except MastodonAPIError as exc:
        if api_error_text(exc).startswith("403"):
            report.missing_scopes = ["read:accounts"]
        else:
            report.notes.append(f"probe of read:accounts failed: {api_error_text(exc)}")
