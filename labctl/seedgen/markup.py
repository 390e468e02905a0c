"""Status HTML exactly as Mastodon's TextFormatter renders it.

Consumers of the recording (the link extractor above all) must meet the real
markup, not a simplification of it: mentions and hashtags are `<a>` elements
too, told apart from external links only by their class attribute, and long
links are split into invisible/ellipsis spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Mastodon hides the scheme and a leading "www." of a link's text (case-sensitive, as in Ruby).
_URL_PREFIX = re.compile(r"\A(https?://(www\.)?|xmpp:)")
_DISPLAY_CHARS = 30
# ERB::Util#h, which Mastodon uses: note the apostrophe becomes &#39;, not &#x27;.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})

LINK_REL = "nofollow noopener"


def escape(text: str) -> str:
    """HTML-escape plain text the way Rails' `h` does."""
    return text.translate(_ESCAPES)


def link(url: str, *, rel: str = LINK_REL) -> str:
    """An external link: scheme and www. invisible, 30 visible characters, the rest invisible."""
    prefix = _URL_PREFIX.match(url)
    prefix_text = prefix.group(0) if prefix else ""
    rest = url[len(prefix_text) :]
    shown, hidden = rest[:_DISPLAY_CHARS], rest[_DISPLAY_CHARS:]
    shown_class = "ellipsis" if len(rest) > _DISPLAY_CHARS else ""
    return (
        f'<a href="{escape(url)}" target="_blank" rel="{rel}" translate="no">'
        f'<span class="invisible">{escape(prefix_text)}</span>'
        f'<span class="{shown_class}">{escape(shown)}</span>'
        f'<span class="invisible">{escape(hidden)}</span></a>'
    )


def mention(profile_url: str, username: str) -> str:
    """A mention of an account, linking to its profile page."""
    return (
        f'<span class="h-card" translate="no"><a href="{escape(profile_url)}" class="u-url mention">'
        f"@<span>{escape(username)}</span></a></span>"
    )


def hashtag(tag_url: str, name: str) -> str:
    """A hashtag, linking to the tag's timeline on the author's instance."""
    return f'<a href="{escape(tag_url)}" class="mention hashtag" rel="tag">#<span>{escape(name)}</span></a>'


def paragraphs(blocks: Iterable[Iterable[str]]) -> str:
    """`<p>` per block, `<br />` between the lines of a block (lines are already HTML)."""
    return "".join("<p>" + "<br />".join(lines) + "</p>" for lines in blocks)
