"""The replay server: a recording served over the Mastodon REST API.

Only what a timeline collector touches is implemented, and it behaves as Mastodon 4.4 does:
paging and Link headers, rate-limit headers and 429s, bearer tokens and scopes, and the
`timelines_access` settings (anonymous clients get 422 where a feed needs a login; feeds
disabled for ordinary users come back empty). Faults can be injected on timeline requests
to test clients: dropped connections, slow responses, 429 storms.

The Authorization header is never logged; the access log holds method, path, query and status.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from labctl.replay.config import ReplayConfig
from labctl.replay.limits import FaultPlan, Faults, RateLimiter, RateState
from labctl.replay.store import StatusStore, View

log = logging.getLogger("labctl.replay")
access_log = logging.getLogger("labctl.replay.access")

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
TIMELINES_PREFIX = "/api/v1/timelines/"

INVALID_TOKEN = "The access token is invalid"
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
NEEDS_USER = "This method requires an authenticated user"
TOO_MANY = "Too many requests"

READ_STATUSES = ("read", "read:statuses")
READ_ACCOUNTS = ("read", "read:accounts", "profile")


class ConnectionDropped(Exception):
    """Raised mid-body: the WSGI server closes the connection without finishing the response."""


@dataclass(frozen=True)
class _Auth:
    authenticated: bool
    error: Response | None = None


def iso8601(epoch: float) -> str:
    """Mastodon's timestamp format for X-RateLimit-Reset: 2025-01-01T12:00:00.000000Z."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _truthy(value: str | None) -> bool:
    # Rails' boolean cast, which Mastodon's truthy_param? uses.
    return value is not None and value.strip().lower() not in ("", "0", "f", "false", "off")


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def create_replay(
    config: ReplayConfig,
    stores: Mapping[str, StatusStore] | None = None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """The replay server for one recording or several: a WSGI app.

    Each recorded instance is served under a path prefix named after its domain,
    `http://replay:8000/toot.varmo.de`, which Mastodon.py takes as an `api_base_url` like any
    other; the first (in file-name order) is also served at the root, so a single recording
    needs no prefix. Each instance is a server of its own, with its own rate-limit windows;
    the token, settings and fault plan are shared. `GET /replay/instances` lists them."""
    if stores is None:
        stores = load_recordings(config)
    if not stores:
        raise ValueError("the replay server needs at least one recording")
    plan = FaultPlan(config.faults)
    listing = [
        {"domain": domain, "path": f"/{domain}", "statuses": len(store), "default": number == 0}
        for number, (domain, store) in enumerate(stores.items())
    ]
    apps = {
        domain: create_app(config, store, clock=clock, sleep=sleep, domain=domain, plan=plan, listing=listing)
        for domain, store in stores.items()
    }
    return DispatcherMiddleware(next(iter(apps.values())), {f"/{domain}": app for domain, app in apps.items()})


def load_recordings(config: ReplayConfig) -> dict[str, StatusStore]:
    """Recordings by the domain of the instance they come from (the host of their local
    accounts): REPLAY_RECORDING is one file, or a directory of them (one per instance)."""
    path = config.recording
    if path is None:
        raise ValueError("the replay server needs a recording (REPLAY_RECORDING or --recording)")
    files = recording_files(path)
    if not files:
        raise ValueError(f"no recording in {path}: expected .jsonl, .json (or .gz) files")
    stores: dict[str, StatusStore] = {}
    for file in files:
        store = StatusStore.from_file(file)
        domain = config.domain if config.domain and len(files) == 1 else store.domain
        if domain in stores:
            raise ValueError(f"two recordings claim the instance {domain}: {file.name} and another; keep one")
        stores[domain] = store
    return stores


def recording_files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    suffixes = (".jsonl", ".jsonl.gz", ".json", ".json.gz", ".ndjson", ".ndjson.gz")
    return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_"))
                  and p.name.lower().endswith(suffixes))


def create_app(
    config: ReplayConfig,
    store: StatusStore | None = None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    domain: str | None = None,
    plan: FaultPlan | None = None,
    listing: list[dict[str, Any]] | None = None,
) -> Flask:
    """One recorded instance (`create_replay` serves several)."""
    if store is None:
        if config.recording is None:
            raise ValueError("the replay server needs a recording (REPLAY_RECORDING or --recording)")
        store = StatusStore.from_file(config.recording)
    domain = domain or config.domain or store.domain
    limiter = RateLimiter(config.rate_limit, config.rate_window, clock)
    plan = plan or FaultPlan(config.faults)
    if listing is None:
        listing = [{"domain": domain, "path": "", "statuses": len(store), "default": True}]

    app = Flask("labctl.replay")

    @app.get("/replay/instances")
    def instances() -> Response:
        return _json({"instances": listing})

    def bearer() -> tuple[str, str | None]:
        """("anonymous" | "valid" | "invalid", the token presented). Without a token file no
        token is valid: Mastodon refuses a token it never issued, whatever its shape."""
        header = request.headers.get("Authorization", "")
        if not header:
            return "anonymous", None
        scheme, _, presented = header.partition(" ")
        presented = presented.strip()
        if scheme.lower() != "bearer" or not presented or config.token is None:
            return "invalid", None
        if not hmac.compare_digest(presented.encode(), config.token.encode()):
            return "invalid", None
        return "valid", presented

    def client_key(state: str, token: str | None) -> str:
        # Mastodon limits per account when authenticated and per IP otherwise. Keyed after the
        # token is checked: a client inventing tokens stays on its IP's budget.
        if state == "valid" and token is not None:
            return "token:" + hmac.new(b"ratelimit", token.encode(), "sha256").hexdigest()
        return f"ip:{request.remote_addr}"

    @app.before_request
    def limit_and_inject() -> Response | None:
        now = clock()
        g.now = now
        g.faults = plan.next() if request.path.startswith(TIMELINES_PREFIX) else Faults()
        if not request.path.startswith("/api/"):
            return None
        if g.faults.storm:
            # Relative to the second the server's Date header will show: clients (Mastodon.py)
            # shift the reset by their clock's offset from Date, so the wait stays storm_reset.
            g.rate = RateState(False, config.rate_limit, 0, int(now) + config.faults.storm_reset)
            return _error(429, TOO_MANY)
        g.bearer, token = bearer()
        g.rate = limiter.hit(client_key(g.bearer, token))
        if not g.rate.allowed:
            return _error(429, TOO_MANY)
        if g.faults.slow and config.faults.delay > 0:
            sleep(config.faults.delay)
        return None

    @app.after_request
    def headers_and_faults(response: Response) -> Response:
        # No Date header here: the WSGI server sends one (werkzeug even unconditionally).
        now = g.get("now", clock())
        rate: RateState | None = g.get("rate")
        if rate is not None:
            response.headers["X-RateLimit-Limit"] = str(rate.limit)
            response.headers["X-RateLimit-Remaining"] = str(max(rate.remaining, 0))
            response.headers["X-RateLimit-Reset"] = iso8601(rate.reset_at)
            if response.status_code == 429:
                response.headers["Retry-After"] = str(max(1, int(rate.reset_at - now + 0.999)))
        faults: Faults = g.get("faults", Faults())
        if faults.drop and response.status_code == 200:
            _drop_midway(response)
        access_log.info("%s %s %s%s", response.status_code, request.method, request.path,
                        f"?{request.query_string.decode('latin-1')}" if request.query_string else "")
        return response

    def authenticate(required: bool) -> _Auth:
        state = g.get("bearer") or bearer()[0]
        if state == "anonymous":
            if required or config.require_token:
                return _Auth(False, _error(401, INVALID_TOKEN))
            return _Auth(False)
        if state == "invalid":
            return _Auth(False, _error(401, INVALID_TOKEN))
        return _Auth(True)

    def scope_error(accepted: tuple[str, ...]) -> Response | None:
        return None if set(accepted) & set(config.scopes) else _error(403, OUTSIDE_SCOPES)

    def serve_timeline(feed_key: str, tag: str | None) -> Response:
        auth = authenticate(required=False)
        if auth.error is not None:
            return auth.error
        if auth.authenticated and (missing := scope_error(READ_STATUSES)) is not None:
            return missing
        args = request.args
        local, remote = _truthy(args.get("local")), _truthy(args.get("remote"))
        scope, refusal = _feed_scope(config.timelines_access, feed_key, local, remote, auth.authenticated)
        if refusal is not None:
            return refusal
        try:
            cursors = {name: _id_param(args.get(name), name) for name in ("max_id", "since_id", "min_id")}
        except ValueError as exc:
            return _error(400, str(exc))
        limit = _limit_param(args.get("limit"))
        if scope is None:
            entries = []
        else:
            view = View(
                scope=scope,
                only_media=_truthy(args.get("only_media")),
                tag=tag.lower() if tag else None,
                any_tags=_tag_list(args, "any"),
                all_tags=_tag_list(args, "all"),
                none_tags=_tag_list(args, "none"),
            )
            entries = store.page(view, limit=limit, **cursors)
        response = Response(b"[" + b",".join(e.body for e in entries) + b"]", mimetype="application/json")
        links = _link_header(request.base_url, args, entries, limit)
        if links:
            response.headers["Link"] = links
        return response

    @app.get("/api/v1/timelines/public")
    def public_timeline() -> Response:
        return serve_timeline("live_feeds", None)

    @app.get("/api/v1/timelines/tag/<path:hashtag>")
    def tag_timeline(hashtag: str) -> Response:
        return serve_timeline("hashtag_feeds", hashtag)

    @app.get("/api/v1/instance")
    @app.get("/api/v1/instance/")
    def instance_v1() -> Response:
        return _json(_instance_v1(config, domain, len(store), request.host))

    @app.get("/api/v2/instance")
    @app.get("/api/v2/instance/")
    def instance_v2() -> Response:
        if not config.v2_instance:
            return _error(404, "Record not found")
        return _json(_instance_v2(config, domain, len(store), request.host))

    @app.get("/api/v1/apps/verify_credentials")
    def app_credentials() -> Response:
        auth = authenticate(required=True)
        if auth.error is not None:
            return auth.error
        body: dict[str, Any] = {
            "id": "1",
            "name": "labctl collector",
            "website": None,
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "redirect_uris": ["urn:ietf:wg:oauth:2.0:oob"],
            "vapid_key": "BLabctlReplayVapidKeyNotARealKey=",
        }
        if config.report_scopes:
            body["scopes"] = list(config.scopes)
        return _json(body)

    @app.get("/api/v1/accounts/verify_credentials")
    def account_credentials() -> Response:
        auth = authenticate(required=True)
        if auth.error is not None:
            return auth.error
        if (missing := scope_error(READ_ACCOUNTS)) is not None:
            return missing
        return _json(_lab_account(domain))

    @app.errorhandler(404)
    def not_found(_: Exception) -> Response:
        return _error(404, "Record not found")

    @app.errorhandler(405)
    def not_allowed(_: Exception) -> Response:
        return _error(405, "Method not allowed")

    log.info("replaying %d statuses as %s (version %s)", len(store), domain, config.version)
    return app


def _drop_midway(response: Response) -> None:
    log.info("fault injection: dropping the connection mid-response")
    body = response.get_data()
    response.headers["Content-Length"] = str(len(body))

    def half_then_abort() -> Iterator[bytes]:
        yield body[: len(body) // 2]
        raise ConnectionDropped("replay fault injection: connection dropped mid-response")

    response.response = half_then_abort()


def _feed_scope(
    access: dict[str, dict[str, str]] | None, feed_key: str, local: bool, remote: bool, authenticated: bool
) -> tuple[str | None, Response | None]:
    """Which statuses the request may see ("all", "local", "remote" or None for none) and, when
    an anonymous client asks for a feed that needs a login, the 422 to answer. As Mastodon's
    PublicFeed / TagFeed and Api::V1::Timelines controllers decide it."""
    feed = (access or {}).get(feed_key) or {}
    local_setting, remote_setting = feed.get("local", "public"), feed.get("remote", "public")
    if local:
        needs_login = local_setting != "public"
    elif remote:
        needs_login = remote_setting != "public"
    else:
        needs_login = local_setting != "public" or remote_setting != "public"
    if needs_login and not authenticated:
        return None, _error(422, NEEDS_USER)

    def can_read(setting: str) -> bool:  # "disabled" is for staff, and this client is not staff
        return setting == "public" or (setting == "authenticated" and authenticated)

    local_only = (local and not remote) or not can_read(remote_setting)
    remote_only = (remote and not local) or not can_read(local_setting)
    if (local_only and not can_read(local_setting)) or (remote_only and not can_read(remote_setting)):
        return None, None
    return ("local" if local_only else "remote" if remote_only else "all"), None


def _id_param(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"{name} must be a numeric status id, got {value!r}")
    return int(value)


def _limit_param(value: str | None) -> int:
    try:
        limit = abs(int(value)) if value is not None else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT
    return max(1, min(limit, MAX_LIMIT))


def _tag_list(args: Any, name: str) -> tuple[str, ...]:
    values = args.getlist(f"{name}[]") + args.getlist(name)
    return tuple(sorted({v.strip().lower().lstrip("#") for v in values if v.strip()}))


_LINK_PARAMS = ("local", "remote", "only_media", "limit", "any[]", "all[]", "none[]")


def _link_header(base_url: str, args: Any, entries: list[Any], limit: int) -> str:
    """Mastodon's Link header: `next` (older, max_id) only when the page is full, `prev`
    (newer, min_id) whenever the page is not empty."""
    if not entries:
        return ""
    kept = [(key, value) for key in _LINK_PARAMS for value in args.getlist(key)]
    links = []
    if len(entries) == limit:
        links.append(f'<{base_url}?{urlencode(kept + [("max_id", entries[-1].id)])}>; rel="next"')
    links.append(f'<{base_url}?{urlencode(kept + [("min_id", entries[0].id)])}>; rel="prev"')
    return ", ".join(links)


def _instance_v1(config: ReplayConfig, domain: str, statuses: int, host: str) -> dict[str, Any]:
    return {
        "uri": domain,
        "title": config.title,
        "short_description": "A recorded timeline replayed for the Mastodon Analytics Lab.",
        "description": "Statuses from a recording, served read-only over the Mastodon API.",
        "email": "",
        "version": config.version,
        "urls": {"streaming_api": f"ws://{host}"},
        "stats": {"user_count": 0, "status_count": statuses, "domain_count": 0},
        "thumbnail": None,
        "languages": [],
        "registrations": False,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": {"statuses": {"max_characters": 500, "max_media_attachments": 4}},
        "contact_account": None,
        "rules": [],
    }


def _instance_v2(config: ReplayConfig, domain: str, statuses: int, host: str) -> dict[str, Any]:
    configuration: dict[str, Any] = {
        "urls": {"streaming": f"ws://{host}"},
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
    }
    if config.timelines_access is not None:
        configuration["timelines_access"] = config.timelines_access
    return {
        "domain": domain,
        "title": config.title,
        "version": config.version,
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A recorded timeline replayed for the Mastodon Analytics Lab.",
        "usage": {"users": {"active_month": 0}},
        "thumbnail": {"url": f"http://{host}/thumbnail.png"},
        "languages": [],
        "configuration": configuration,
        "registrations": {"enabled": False, "approval_required": False, "message": None},
        "api_versions": {"mastodon": 6},
        "contact": {"email": "", "account": None},
        "rules": [],
        "stats": {"status_count": statuses},
    }


def _lab_account(domain: str) -> dict[str, Any]:
    return {
        "id": "1",
        "username": "labctl",
        "acct": "labctl",
        "display_name": "labctl replay user",
        "locked": False,
        "bot": True,
        "discoverable": False,
        "indexable": False,
        "group": False,
        "created_at": "2024-01-01T00:00:00.000Z",
        "note": "",
        "url": f"https://{domain}/@labctl",
        "avatar": "",
        "avatar_static": "",
        "header": "",
        "header_static": "",
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": 0,
        "last_status_at": None,
        "emojis": [],
        "fields": [],
        "source": {"privacy": "public", "sensitive": False, "language": None, "note": "", "fields": []},
    }
