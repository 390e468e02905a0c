"""Mastodon.py, as the collector uses it: JSON as the server sent it, retries around network failures.

Mastodon.py does the HTTP: authentication, rate limits (its "wait" mode sleeps until
X-RateLimit-Reset after a 429 and repeats the request; "pace" spreads requests over the
window) and parameters. Three things are changed or added here:

- responses stay the JSON the server sent. Mastodon.py would cast them into typed objects
  (times into datetimes, absent fields filled with None): the raw zone must keep what was
  received, and the casting costs about 4 ms per status, ten times the rest of collection;
- a 429 that only carries Retry-After gets the X-RateLimit-Reset Mastodon.py waits for;
- a dropped connection, a timeout or a 5xx is retried with exponential backoff a bounded
  number of times. Paging is by explicit cursor, so a retried request is the same request:
  it cannot skip or repeat a page.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonWarning,
)

from labctl import __version__
from labctl.collect.errors import CollectError
from labctl.collect.timelines import Timeline
from labctl.collect.token import TOKEN_ENV, TOKEN_FILE_ENV, Secret

log = logging.getLogger(__name__)

# Mastodon serves at most 40 statuses per timeline page.
MAX_PAGE_SIZE = 40


@dataclass(frozen=True)
class ClientOptions:
    request_timeout: float = 30.0
    ratelimit_method: Literal["wait", "pace"] = "wait"
    max_attempts: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    user_agent: str = f"labctl/{__version__} (Mastodon Analytics Lab collector)"


class JsonMastodon(Mastodon):
    """Mastodon.py without its typed-object casting: every call returns plain JSON values
    (lists of timeline pages still carry Mastodon.py's pagination attributes).

    Mastodon.py 2.3.3 casts every response in the name-mangled `__try_cast_to_type`; this
    subclass provides that name. tests/collect checks that pages come back as plain dicts,
    so a Mastodon.py upgrade that moves the hook fails a test instead of slowing down silently.
    """

    def _Mastodon__try_cast_to_type(self, value: Any, override_type: Any = None) -> tuple[Any, None]:
        return value, None


def _retry_after_as_reset(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """Mastodon.py waits for X-RateLimit-Reset but ignores Retry-After; a 429 that only says
    Retry-After (proxies, other servers) is given the equivalent reset time."""
    headers = response.headers
    if response.status_code != 429 or "X-RateLimit-Reset" in headers or "Retry-After" not in headers:
        return response
    try:
        seconds = float(headers["Retry-After"])
        base = parsedate_to_datetime(headers["Date"]).timestamp() if "Date" in headers else time.time()
    except (TypeError, ValueError):
        return response
    headers["X-RateLimit-Reset"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + seconds)) + "Z"
    return response


def api_error_text(exc: MastodonError) -> str:
    """'403 This action is outside the authorized scopes' from Mastodon.py's error args."""
    args = exc.args
    if isinstance(exc, MastodonAPIError) and len(args) >= 4:
        return f"{args[1]} {args[3] or args[2]}"
    return str(exc)


_HINTS = {
    "401": f"the instance wants a valid token: set {TOKEN_ENV} or {TOKEN_FILE_ENV}",
    "403": "the token lacks a scope: `labctl token check --instance URL` lists them",
    "404": "is the URL the instance's base URL (https://host), and the hashtag right?",
    "422": f"this feed needs a logged-in user: set {TOKEN_ENV} or {TOKEN_FILE_ENV}",
}


def refusal(instance_url: str, exc: MastodonError) -> CollectError:
    """A Mastodon.py failure as an error that says what to do."""
    text = api_error_text(exc)
    if isinstance(exc, MastodonRatelimitError):
        return CollectError(f"{instance_url}: {text}",
                            hint="the server sends no usable X-RateLimit-Reset; use the default wait mode")
    return CollectError(f"{instance_url} refused a request: {text}", hint=_HINTS.get(text[:3]))


class MastodonClient:
    def __init__(
        self,
        base_url: str,
        token: Secret | None,
        options: ClientOptions = ClientOptions(),
        *,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.options = options
        self.sleep = sleep
        self.authenticated = token is not None
        self.retries = 0
        self.requests = 0
        self.pages = 0
        session = requests.Session()
        session.hooks["response"].append(_retry_after_as_reset)
        self.api = JsonMastodon(
            api_base_url=self.base_url,
            access_token=token.reveal() if token else None,
            ratelimit_method=options.ratelimit_method,
            request_timeout=options.request_timeout,
            version_check_mode="none",  # servers that are not Mastodon proper have other versions
            session=session,
            user_agent=options.user_agent,
        )

    def call_json(self, what: str, call: Callable[[], Any]) -> Any:
        """Run one Mastodon.py call, retrying transient failures; the response body as JSON."""
        attempts = self.options.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                with warnings.catch_warnings():
                    # We check timeline access ourselves, with a clearer message.
                    warnings.simplefilter("ignore", MastodonWarning)
                    return call()
            except (MastodonNetworkError, MastodonServerError) as exc:
                if attempt == attempts:
                    raise CollectError(
                        f"{what}: giving up after {attempts} attempts: {exc}",
                        hint="is the instance reachable? raise --max-attempts or --timeout for a slow server",
                    ) from None
                delay = min(self.options.backoff_base * 2 ** (attempt - 1), self.options.backoff_max)
                log.warning("%s failed (%s); retry %d/%d in %.1fs", what, exc.__class__.__name__,
                            attempt, attempts - 1, delay)
                self.retries += 1
                self.sleep(delay)
                continue
            finally:
                self.requests += 1
        raise AssertionError("unreachable")

    def timeline_page(
        self, timeline: Timeline, *, max_id: str | None = None, min_id: str | None = None, limit: int = MAX_PAGE_SIZE
    ) -> list[dict[str, Any]]:
        """One page of a timeline, newest first, exactly as the server sent it."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        args: dict[str, Any] = {"max_id": max_id, "min_id": min_id, "limit": limit}
        if timeline.kind == "tag":
            call = lambda: self.api.timeline_hashtag(timeline.tag, **args)  # noqa: E731
        elif timeline.kind == "local":
            call = lambda: self.api.timeline_public(local=True, **args)  # noqa: E731
        else:
            call = lambda: self.api.timeline_public(**args)  # noqa: E731
        cursor = f"max_id={max_id}" if max_id else f"min_id={min_id}" if min_id else "head"
        page = self.call_json(f"{timeline.label} page ({cursor})", call)
        if not isinstance(page, list):
            raise CollectError(f"{timeline.label}: expected a list of statuses, got {type(page).__name__}")
        self.pages += 1
        statuses = [item for item in page if isinstance(item, dict)]
        if len(statuses) != len(page):
            log.warning("%s: the server sent %d page entries that are not objects; they are not statuses",
                        timeline.label, len(page) - len(statuses))
        return statuses

    def instance_v2(self) -> dict[str, Any] | None:
        """The v2 instance document, or None when the server has no v2 API (not Mastodon proper)."""
        try:
            return self.call_json("instance (v2)", self.api.instance_v2)
        except MastodonNotFoundError:
            return None
        except MastodonAPIError as exc:
            log.info("v2 instance API unavailable (%s); falling back to v1", api_error_text(exc))
            return None

    def instance_v1(self) -> dict[str, Any]:
        return self.call_json("instance (v1)", self.api.instance_v1)

    def app_credentials(self) -> dict[str, Any]:
        return self.call_json("token's application", self.api.app_verify_credentials)

    def account_credentials(self) -> dict[str, Any]:
        return self.call_json("token's account", self.api.account_verify_credentials)
