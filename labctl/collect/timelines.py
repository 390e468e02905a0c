"""The timelines the collector reads: `public`, `local` and `tag:NAME`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Mastodon's hashtag alphabet: word characters plus the middle dot and ZWNJ it also accepts.
_TAG = re.compile(r"^[\w\u00b7\u200c]+$", re.UNICODE)


@dataclass(frozen=True)
class Timeline:
    kind: Literal["public", "local", "tag"]
    tag: str | None = None

    @classmethod
    def parse(cls, text: str) -> Timeline:
        value = text.strip()
        if value in ("public", "local"):
            return cls(value)  # type: ignore[arg-type]
        if value.startswith("tag:"):
            tag = value[4:].lstrip("#")
            if not _TAG.match(tag):
                raise ValueError(f"invalid hashtag in timeline {text!r}: use letters, digits and _ only")
            return cls("tag", tag.lower())  # hashtags are case-insensitive in Mastodon
        raise ValueError(f"unknown timeline {text!r}: expected public, local or tag:NAME")

    @property
    def label(self) -> str:
        return f"tag:{self.tag}" if self.kind == "tag" else self.kind

    @property
    def partition_name(self) -> str:
        """How the timeline is named in lake paths (':' is not allowed in HDFS names)."""
        return f"tag_{self.tag}" if self.kind == "tag" else self.kind

    @property
    def feed_key(self) -> str:
        """The key of this feed in the v2 instance API's `configuration.timelines_access`."""
        return "hashtag_feeds" if self.kind == "tag" else "live_feeds"

    @property
    def feed_scopes(self) -> tuple[str, ...]:
        """Which halves (local, remote) of the feed the timeline reads."""
        return ("local",) if self.kind == "local" else ("local", "remote")
