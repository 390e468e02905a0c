"""The region of an author, from the instance in their handle.

The instance is the part of the handle after the `@` (`toot.varmo.de` in
`anke@toot.varmo.de`). The region is the instance's last DNS label when it is exactly two
ASCII letters (a country-code top-level domain: `de`, `fr`, `jp`), lower-cased; otherwise
`generic` (`.org`, `.social`, a numeric address, an internationalised `xn--` label, or a
handle without instance).
"""

from __future__ import annotations


def region_of(handle: str) -> str:
    ### BEGIN SOLUTION
    instance = handle.rpartition("@")[2] if "@" in handle else ""
    label = instance.rsplit(".", 1)[-1].lower()
    if len(label) == 2 and label.isascii() and label.isalpha():
        return label
    return "generic"
    ### END SOLUTION
