"""The one inventory of Status fields: what the pipeline keeps, why, and how it is protected.

The minimiser builds its keep-list from this table, and the GDPR register (docs/gdpr/) is
rendered from it, so the code cannot keep a field the register does not list.

Paths are JSON paths into a Mastodon Status entity: `account.acct` is a key of a nested
object, `media_attachments[].type` a key of every element of a list. `reblog` is itself a
Status and is minimised with this same table, so its fields are not listed twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Category = Literal[
    "post identifier",
    "post content",
    "post metadata",
    "engagement counts",
    "account identifier",
    "account profile",
    "account statistics",
    "account flags",
    "social graph",
    "client metadata",
    "viewer state",
]


@dataclass(frozen=True)
class FieldSpec:
    path: str
    personal: bool
    category: Category
    purpose: str
    kept_in_raw: bool
    pseudonymised: bool = False  # replaced by a keyed-HMAC pseudonym in curated data and HBase

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


def _kept(path: str, personal: bool, category: Category, purpose: str, *, pseudonymised: bool = False) -> FieldSpec:
    return FieldSpec(path, personal, category, purpose, kept_in_raw=True, pseudonymised=pseudonymised)


def _dropped(path: str, personal: bool, category: Category, why_not: str) -> FieldSpec:
    return FieldSpec(path, personal, category, f"not needed: {why_not}", kept_in_raw=False)


# Personal means: relates to an identifiable natural person (the author, or someone mentioned),
# directly or through a join on the author's id. Counts of other people's reactions and the
# post's technical attributes are not personal on their own.
FIELD_INVENTORY: tuple[FieldSpec, ...] = (
    # The status itself.
    _kept("id", True, "post identifier", "deduplication, collection checkpoints, erasure of deleted statuses"),
    _kept("uri", True, "post identifier", "deduplication across instances (the metric contract's identity)",
          pseudonymised=True),
    _kept("created_at", True, "post metadata", "activity over time, latest observation of an account"),
    _kept("edited_at", True, "post metadata", "share of edited posts"),
    _kept("in_reply_to_id", True, "social graph", "reply counts and conversation size"),
    _kept("in_reply_to_account_id", True, "social graph", "who replies to whom (pseudonymised)",
          pseudonymised=True),
    _kept("reblog", True, "post content", "boosts: the boosted original, minimised with this same table"),
    _kept("content", True, "post content", "external links, hashtags and mentions as rendered HTML"),
    _kept("spoiler_text", True, "post content", "share of posts behind a content warning"),
    _kept("sensitive", False, "post metadata", "share of posts marked sensitive"),
    _kept("visibility", False, "post metadata", "visibility mix of the collected timeline"),
    _kept("language", False, "post metadata", "posts per language"),
    _kept("favourites_count", False, "engagement counts", "engagement metrics"),
    _kept("reblogs_count", False, "engagement counts", "engagement metrics"),
    _kept("replies_count", False, "engagement counts", "engagement metrics"),
    _kept("media_attachments[].id", False, "post metadata", "counting attachments"),
    _kept("media_attachments[].type", False, "post metadata", "attachments per media type"),
    _kept("mentions[].id", True, "social graph", "mention network (pseudonymised)", pseudonymised=True),
    _kept("mentions[].acct", True, "social graph", "mention network (pseudonymised)", pseudonymised=True),
    _kept("mentions[].url", True, "social graph", "the host of a local acct in a mention", pseudonymised=True),
    _kept("tags[].name", True, "post content",
          "hashtag metrics; may reveal special-category data (Art. 9) when joined to the author"),
    _kept("emojis[].shortcode", False, "post content", "custom emoji usage"),
    # The author.
    _kept("account.id", True, "account identifier", "joins per account (pseudonymised)", pseudonymised=True),
    _kept("account.acct", True, "account identifier",
          "the account's handle (pseudonymised); its server, in clear, counted per instance and region", pseudonymised=True),
    _kept("account.url", True, "account identifier",
          "the host of a local acct (pseudonymised); in clear, counted per instance and region", pseudonymised=True),
    _kept("account.created_at", True, "account statistics", "account age cohorts (month only in metrics)"),
    _kept("account.followers_count", True, "account statistics", "audience size distribution"),
    _kept("account.following_count", True, "account statistics", "following distribution"),
    _kept("account.statuses_count", True, "account statistics", "activity distribution"),
    _kept("account.bot", True, "account flags", "telling automated accounts apart in the metrics"),
    _kept("account.noindex", True, "account flags", "the ingestion policy: the author's opt-out of indexing"),
    _kept("account.indexable", True, "account flags", "the ingestion policy: the author's search opt-in"),
    _kept("account.discoverable", True, "account flags", "the ingestion policy: the author's discovery opt-in"),
    # Received from the API and dropped at ingestion.
    _dropped("url", True, "post identifier", "uri identifies the post; url is its web page"),
    _dropped("account.username", True, "account identifier", "acct carries the handle"),
    _dropped("account.uri", True, "account identifier", "url carries the host"),
    _dropped("account.display_name", True, "account profile", "no metric uses names"),
    _dropped("account.note", True, "account profile", "no metric uses bios"),
    _dropped("account.avatar", True, "account profile", "no metric uses pictures"),
    _dropped("account.avatar_static", True, "account profile", "no metric uses pictures"),
    _dropped("account.header", True, "account profile", "no metric uses pictures"),
    _dropped("account.header_static", True, "account profile", "no metric uses pictures"),
    _dropped("account.fields", True, "account profile", "profile metadata (may hold contact data)"),
    _dropped("account.emojis", True, "account profile", "custom emoji of the profile"),
    _dropped("account.roles", True, "account profile", "roles on the author's server"),
    _dropped("account.locked", True, "account flags", "no metric uses it"),
    _dropped("account.group", True, "account flags", "no metric uses it"),
    _dropped("account.hide_collections", True, "account flags", "no metric uses it"),
    _dropped("account.memorial", True, "account flags", "no metric uses it"),
    _dropped("account.suspended", True, "account flags", "no metric uses it"),
    _dropped("account.limited", True, "account flags", "no metric uses it"),
    _dropped("account.moved", True, "account profile", "the account an author moved to"),
    _dropped("account.last_status_at", True, "account statistics", "created_at of the statuses suffices"),
    _dropped("mentions[].username", True, "social graph", "acct carries the handle"),
    _dropped("media_attachments[].description", True, "post content", "alt text is free text by the author"),
    _dropped("media_attachments[].url", True, "post content", "the media itself is not analysed"),
    _dropped("media_attachments[].preview_url", True, "post content", "the media itself is not analysed"),
    _dropped("media_attachments[].remote_url", True, "post content", "the media itself is not analysed"),
    _dropped("media_attachments[].meta", False, "post metadata", "sizes and durations are not analysed"),
    _dropped("media_attachments[].blurhash", False, "post metadata", "previews are not analysed"),
    _dropped("tags[].url", False, "post metadata", "the name identifies the tag"),
    _dropped("emojis[].url", False, "post metadata", "the shortcode identifies the emoji"),
    _dropped("emojis[].static_url", False, "post metadata", "the shortcode identifies the emoji"),
    _dropped("emojis[].visible_in_picker", False, "post metadata", "no metric uses it"),
    _dropped("card", True, "post content", "link previews: links are taken from content"),
    _dropped("poll", True, "post content", "poll options and votes are not analysed"),
    _dropped("application", False, "client metadata", "the posting client is not analysed"),
    _dropped("text", True, "post content", "source text of a deleted status"),
    _dropped("filtered", False, "viewer state", "depends on the collecting account"),
    _dropped("favourited", False, "viewer state", "depends on the collecting account"),
    _dropped("reblogged", False, "viewer state", "depends on the collecting account"),
    _dropped("muted", False, "viewer state", "depends on the collecting account"),
    _dropped("bookmarked", False, "viewer state", "depends on the collecting account"),
    _dropped("pinned", False, "viewer state", "depends on the collecting account"),
)

INVENTORY_BY_PATH: dict[str, FieldSpec] = {spec.path: spec for spec in FIELD_INVENTORY}


def kept_paths(inventory: Iterable[FieldSpec] = FIELD_INVENTORY) -> tuple[str, ...]:
    return tuple(spec.path for spec in inventory if spec.kept_in_raw)


def inventory_version(paths: Iterable[str]) -> str:
    """A short fingerprint of a keep-list, written into every manifest: which rules shaped a batch."""
    digest = hashlib.sha256("\n".join(sorted(paths)).encode()).hexdigest()
    return digest[:12]


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def render_markdown(inventory: Iterable[FieldSpec] = FIELD_INVENTORY) -> str:
    """The inventory as the Markdown table the GDPR register embeds."""
    lines = [
        "| Field | Personal | Category | Purpose | Kept in raw zone | Pseudonymised downstream |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for spec in inventory:
        purpose = spec.purpose.replace("|", "\\|")
        lines.append(
            f"| `{spec.path}` | {_yes_no(spec.personal)} | {spec.category} | {purpose} "
            f"| {_yes_no(spec.kept_in_raw)} | {_yes_no(spec.pseudonymised)} |"
        )
    return "\n".join(lines) + "\n"
