"""The region of an author, from the instance in their handle.

The instance is the part of the handle after its last `@` (`toot.varmo.de` in
`anke@toot.varmo.de`). Its region (docs/metrics.md, metric 12): drop one trailing `.`; a
name without a `.` left is `generic`; otherwise the last label (after the last `.`) when it
is exactly two ASCII letters (a country-code top-level domain: `de`, `fr`, `jp`),
lower-cased, and `generic` for anything else (`.org`, `.social`, a numeric address, an
internationalised `xn--` label, a handle without instance).
"""

from __future__ import annotations


def region_of(handle: str) -> str:
    ### BEGIN SOLUTION
    if "@" not in handle:
        return "generic"
    instance = handle.rpartition("@")[2].removesuffix(".")
    if "." not in instance:
        return "generic"
    label = instance.rpartition(".")[2]
    if len(label) == 2 and label.isascii() and label.isalpha():
        return label.lower()
    return "generic"
    ### END SOLUTION
