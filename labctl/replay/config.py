"""The replay server's settings, from environment variables (a compose service) or arguments.

The expected access token is only ever read from the file REPLAY_TOKEN_FILE names, so it
never appears in a process list or a compose file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labctl.core.addresses import LOOPBACK, listen_port
from labctl.replay.limits import FaultConfig

ACCESS_VALUES = ("public", "authenticated", "disabled")
FEEDS = ("live_feeds", "hashtag_feeds", "trending_link_feeds")
HALVES = ("local", "remote")


class ConfigError(ValueError):
    """A setting of the replay server is invalid."""


def timelines_access(default: str = "public") -> dict[str, dict[str, str]]:
    return {feed: {half: default for half in HALVES} for feed in FEEDS}


def parse_timelines_access(text: str) -> dict[str, dict[str, str]] | None:
    """`public` | `authenticated` | `disabled` for every feed, a JSON object like Mastodon's
    `configuration.timelines_access`, `live_feeds.local=authenticated,hashtag_feeds=disabled`,
    or `absent` (no such setting in the instance API, like Mastodon before 4.4)."""
    text = text.strip()
    if text == "absent":
        return None
    if text in ACCESS_VALUES:
        return timelines_access(text)
    if text.startswith("{"):
        try:
            given = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"timelines access is not valid JSON: {exc}") from None
        access = timelines_access()
        for feed, halves in given.items():
            for half, value in (halves or {}).items():
                _set_access(access, feed, half, value)
        return access
    access = timelines_access()
    for item in filter(None, (part.strip() for part in text.split(","))):
        target, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"timelines access item {item!r}: expected feed[.half]=value")
        feed, _, half = target.strip().partition(".")
        for one_half in (half,) if half else HALVES:
            _set_access(access, feed, one_half, value.strip())
    return access


def _set_access(access: dict[str, dict[str, str]], feed: str, half: str, value: Any) -> None:
    if feed not in FEEDS:
        raise ConfigError(f"unknown feed {feed!r} in timelines access: expected one of {', '.join(FEEDS)}")
    if half not in HALVES:
        raise ConfigError(f"unknown half {half!r} of {feed}: expected local or remote")
    if value not in ACCESS_VALUES:
        raise ConfigError(f"{feed}.{half}={value!r}: expected one of {', '.join(ACCESS_VALUES)}")
    access[feed][half] = value


@dataclass(frozen=True)
class ReplayConfig:
    recording: Path | None = None
    host: str = LOOPBACK
    port: int = field(default_factory=lambda: listen_port("MASTODON_REPLAY"))
    domain: str | None = None  # None: the host of the recording's local accounts
    title: str = "Mastodon replay (Mastodon Analytics Lab)"
    version: str = "4.4.0"
    v2_instance: bool = True  # False: answer 404 like servers without the v2 API
    timelines_access: dict[str, dict[str, str]] | None = field(default_factory=timelines_access)
    token: str | None = field(default=None, repr=False)
    require_token: bool = False
    scopes: tuple[str, ...] = ("read",)
    report_scopes: bool = True  # False: like Mastodon < 4.3, no `scopes` in apps/verify_credentials
    rate_limit: int = 300
    rate_window: float = 300.0
    faults: FaultConfig = FaultConfig()
    threads: int = 8

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ReplayConfig:
        env = os.environ if env is None else env

        def get(name: str, convert: Any, default: Any) -> Any:
            raw = env.get(f"REPLAY_{name}")
            if raw is None or raw.strip() == "":
                return default
            try:
                return convert(raw.strip())
            except (ValueError, ConfigError) as exc:
                raise ConfigError(f"REPLAY_{name}={raw!r}: {exc}") from None

        token_file = get("TOKEN_FILE", Path, None)
        token = read_token(token_file) if token_file else None
        faults = FaultConfig(
            drop_every=get("DROP_EVERY", int, 0), drop_rate=get("DROP_RATE", float, 0.0),
            slow_every=get("SLOW_EVERY", int, 0), slow_rate=get("SLOW_RATE", float, 0.0),
            delay=get("DELAY", float, 0.0),
            storm_every=get("STORM_EVERY", int, 0), storm_length=get("STORM_LENGTH", int, 1),
            storm_rate=get("STORM_RATE", float, 0.0), storm_reset=get("STORM_RESET", float, 0.2),
            seed=get("SEED", int, 0),
        )
        values: dict[str, Any] = dict(
            recording=get("RECORDING", Path, None),
            host=get("HOST", str, LOOPBACK),
            port=get("PORT", int, None) or listen_port("MASTODON_REPLAY"),
            domain=get("DOMAIN", str, None),
            version=get("VERSION", str, cls.version),
            v2_instance=get("V2_INSTANCE", _bool, True),
            timelines_access=get("TIMELINES_ACCESS", parse_timelines_access, timelines_access()),
            token=token,
            require_token=get("REQUIRE_TOKEN", _bool, token is not None),
            scopes=get("SCOPES", _scopes, ("read",)),
            report_scopes=get("REPORT_SCOPES", _bool, True),
            rate_limit=get("RATE_LIMIT", int, 300),
            rate_window=get("RATE_WINDOW", float, 300.0),
            faults=faults,
            threads=get("THREADS", int, 8),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        if config.require_token and not config.token:
            raise ConfigError("REPLAY_REQUIRE_TOKEN is set but no REPLAY_TOKEN_FILE gives the token")
        return config


def read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc.strerror}") from None
    if not token or any(ch.isspace() for ch in token):
        raise ConfigError(f"the token file {path} must hold exactly one token")
    return token


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _scopes(text: str) -> tuple[str, ...]:
    scopes = tuple(s for s in text.replace(",", " ").split() if s)
    if not scopes:
        raise ValueError("expected at least one scope, e.g. read")
    return scopes
