"""The feeds the pipeline collects on each scheduled run: instance x timeline, declared in one place.

A feed is an instance and a timeline (`public`, `local` or `tag:NAME`). The instance is either a
domain the lab's replay server serves (`toot.varmo.de`: a recorded instance, reached at
`<replay URL>/<domain>`), or the base URL of a live instance (`https://mastodon.example`, read
with the token of the Airflow Connection `mastodon_default`).

Where they are declared: the Airflow Variable `pipeline_feeds` (a JSON list), which the DAG reads
when a run starts and which anyone with the `op` role edits in the Airflow UI (Admin ->
Variables) or with `labctl feeds add|remove`. Unset, the feeds are the manifest's
`PIPELINE_FEEDS` (stack/lab.env), which the Airflow containers receive as
`MASTODON_PIPELINE_FEEDS`: the lab's three recorded instances.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from labctl.collect.timelines import Timeline
from labctl.core.runs import feed_label  # noqa: F401 - the DAG names its mapped tasks with it

VARIABLE = "pipeline_feeds"
DEFAULT_ENV = "MASTODON_PIPELINE_FEEDS"
MANIFEST_KEY = "PIPELINE_FEEDS"


class FeedError(ValueError):
    """A feed, or a list of them, that cannot be read."""


@dataclass(frozen=True, order=True)
class Feed:
    instance: str  # a recorded instance's domain, or a live instance's base URL
    timeline: str  # public, local or tag:name (lower-cased)

    @classmethod
    def of(cls, instance: str, timeline: str) -> Feed:
        instance = instance.strip()
        try:
            label = Timeline.parse(timeline).label
        except ValueError as exc:
            raise FeedError(str(exc)) from None
        if "://" in instance:
            parts = urlsplit(instance)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FeedError(f"{instance!r} is not an instance URL: expected https://host")
            instance = f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
        else:
            instance = instance.lower().rstrip(".")
            if "." not in instance or not all(c.isalnum() or c in ".-" for c in instance):
                raise FeedError(
                    f"{instance!r} is neither a recorded instance's domain (toot.varmo.de) nor an instance URL "
                    "(https://mastodon.example)"
                )
        return cls(instance, label)

    @classmethod
    def parse(cls, text: str) -> Feed:
        """`toot.varmo.de public`, `https://mastodon.example tag:python`."""
        parts = text.split()
        if len(parts) != 2:
            raise FeedError(f"feed {text!r}: expected INSTANCE TIMELINE, e.g. 'toot.varmo.de public'")
        return cls.of(*parts)

    @property
    def source(self) -> str:
        return "live" if "://" in self.instance else "recorded"

    @property
    def label(self) -> str:
        return f"{self.instance} {self.timeline}"

    def url(self, replay_url: str) -> str:
        """The base URL Mastodon.py is given: the live instance's, or the replay server's prefix."""
        return self.instance if self.source == "live" else f"{replay_url.rstrip('/')}/{self.instance}"

    def as_dict(self) -> dict[str, str]:
        return {"instance": self.instance, "timeline": self.timeline, "source": self.source}


def parse_feeds(text: str) -> list[Feed]:
    """The Variable's JSON list (of objects or of `INSTANCE TIMELINE` strings), or the manifest's
    comma-separated `INSTANCE TIMELINE` items. Duplicates are errors: one checkpoint per feed."""
    text = (text or "").strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise FeedError(f"the feeds are not valid JSON: {exc}") from None
        feeds = []
        for item in items:
            if isinstance(item, str):
                feeds.append(Feed.parse(item))
            elif isinstance(item, dict) and isinstance(item.get("instance"), str) and isinstance(item.get("timeline"), str):
                feeds.append(Feed.of(item["instance"], item["timeline"]))
            else:
                raise FeedError(f"feed {item!r}: expected {{\"instance\": ..., \"timeline\": ...}}")
    else:
        feeds = [Feed.parse(item) for item in text.split(",") if item.strip()]
    seen: set[Feed] = set()
    for feed in feeds:
        if feed in seen:
            raise FeedError(f"feed {feed.label!r} is declared twice")
        seen.add(feed)
    return feeds


def dumps_feeds(feeds: Iterable[Feed]) -> str:
    """The Variable's value: a JSON list, one object per feed."""
    return json.dumps([{"instance": f.instance, "timeline": f.timeline} for f in feeds], indent=1)


def default_feeds(environ: dict[str, str] | None = None) -> list[Feed]:
    """The feeds when the Variable is unset: the manifest's, as the Airflow containers receive them."""
    return parse_feeds((os.environ if environ is None else environ).get(DEFAULT_ENV, ""))


def add_feed(feeds: list[Feed], feed: Feed, recorded: Iterable[str] | None = None) -> list[Feed]:
    """`feeds` with `feed` at the end. `recorded`, when known, are the domains the replay server
    serves: a recorded feed must be one of them."""
    if feed in feeds:
        raise FeedError(f"feed {feed.label!r} is already declared")
    if recorded is not None and feed.source == "recorded" and feed.instance not in set(recorded):
        raise FeedError(
            f"the replay server serves no instance {feed.instance!r} (it serves {', '.join(sorted(recorded))}); "
            "a live instance is given by its URL, https://..."
        )
    return [*feeds, feed]


def remove_feed(feeds: list[Feed], feed: Feed) -> list[Feed]:
    if feed not in feeds:
        raise FeedError(f"feed {feed.label!r} is not declared (declared: {', '.join(f.label for f in feeds) or 'none'})")
    rest = [f for f in feeds if f != feed]
    if not rest:
        raise FeedError("that is the last feed: a scheduled run would collect nothing; add another first")
    return rest


@dataclass
class FeedsReport:
    """What one run's collection did, feed by feed."""

    collected: dict[str, Any] = field(default_factory=dict)  # label -> what the collector returned
    failed: dict[str, str] = field(default_factory=dict)  # label -> the error

    @property
    def ok(self) -> bool:
        return not self.failed


def collect_feeds(feeds: Iterable[Feed], collect_one: Callable[[Feed], Any]) -> FeedsReport:
    """Collect each feed on its own: one that fails is reported, the others land. (The DAG maps
    one task per feed instead, so that each is retried and alerted on alone; this is the same
    rule for `labctl seed` and for tests.)"""
    report = FeedsReport()
    for feed in feeds:
        try:
            report.collected[feed.label] = collect_one(feed)
        except Exception as exc:  # noqa: BLE001 - a feed's failure must not stop the others
            report.failed[feed.label] = f"{type(exc).__name__}: {exc}"
    return report


def declared_feeds(api: Any, default: str) -> tuple[list[Feed], bool]:
    """(the feeds, whether they are the default) as Airflow holds them; `api` is an
    `AirflowAPI`, `default` the manifest's PIPELINE_FEEDS."""
    variables = api.get("/variables", limit=1000).get("variables", [])
    value = next((v.get("value") for v in variables if v.get("key") == VARIABLE), None)
    if value is None:
        return parse_feeds(default), True
    return parse_feeds(value), False


def save_feeds(api: Any, feeds: list[Feed], *, exists: bool) -> None:
    """Write the Variable (the next run reads it; a running one keeps the feeds it started with)."""
    body = {"key": VARIABLE, "value": dumps_feeds(feeds),
            "description": "Feeds a scheduled run collects (labctl feeds; labctl/pipeline/feeds.py)"}
    if exists:
        api.request("PATCH", f"/variables/{VARIABLE}", json=body)
    else:
        api.request("POST", "/variables", json=body)
