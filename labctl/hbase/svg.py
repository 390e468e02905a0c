"""Inline SVG charts for the offline report: pure functions from numbers to markup.

No JavaScript and nothing fetched: the page must read the same from a file on a train.
Every label is escaped (tags and domains come from the public).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#3b6ea5", "#e07b39", "#5aa469", "#c44e52", "#8172b2", "#937860", "#da8bc3", "#8c8c8c")
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3g}"


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" {FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, width: int = 640, label_width: int = 200, suffix: str = "") -> str:
    """Horizontal bars, one per (label, value), in the given order."""
    row, top = 22, 8
    height = top * 2 + row * max(len(items), 1)
    peak = max((value for _, value in items), default=0) or 1
    span = width - label_width - 90
    body = []
    for index, (label, value) in enumerate(items):
        y = top + index * row
        length = max(span * value / peak, 1 if value else 0)
        shown = label if len(label) <= 32 else label[:31] + "…"
        body.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(shown)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {_fmt(value)}{escape(suffix)}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}">{_fmt(value)}{escape(suffix)}</text>'
        )
    if not items:
        body.append(f'<text x="{width / 2}" y="{top + 15}" text-anchor="middle">no data</text>')
    return _svg(width, height, body, title)


def growth_chart(months: Sequence[tuple[str, int, int]], *, title: str, width: int = 720, height: int = 260) -> str:
    """New accounts per month (bars, left scale) and the cumulative count (line, right scale)."""
    left, right, top, bottom = 50, 60, 26, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>']
    if not months:
        body.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no data</text>')
        return _svg(width, height, body, title)
    peak_new = max(new for _, new, _ in months) or 1
    peak_total = max(total for _, _, total in months) or 1
    step = plot_w / len(months)
    points = []
    for index, (month, new, total) in enumerate(months):
        x = left + index * step
        bar = plot_h * new / peak_new
        body.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{top + plot_h - bar:.1f}" width="{max(step * 0.7, 0.5):.1f}" '
            f'height="{bar:.1f}" fill="{PALETTE[0]}" opacity="0.55"><title>{escape(month)}: {new:,} new, {total:,} in all</title></rect>'
        )
        points.append(f"{x + step / 2:.1f},{top + plot_h - plot_h * total / peak_total:.1f}")
    body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{PALETTE[1]}" stroke-width="2"/>')
    every = max(1, math.ceil(72 / step))  # a YYYY-MM label needs about 60 px
    for index in range(0, len(months), every):
        x = left + index * step + step / 2
        body.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(months[index][0])}</text>')
    # The scales' maxima, above the plot so no bar or line runs through them.
    body.append(f'<text x="{left}" y="{top - 10}">{peak_new:,}</text>')
    body.append(f'<text x="{left + plot_w}" y="{top - 10}" text-anchor="end" fill="{PALETTE[1]}">{peak_total:,}</text>')
    body.append(
        f'<text x="{left}" y="{height - 6}">bars: new accounts per month (left)</text>'
        f'<text x="{left + plot_w}" y="{height - 6}" text-anchor="end" fill="{PALETTE[1]}">line: cumulative (right)</text>'
    )
    return _svg(width, height, body, title)


def donut(parts: Sequence[tuple[str, float]], *, title: str, size: int = 220) -> str:
    """Shares of a whole as a ring, with a legend on the right."""
    total = sum(value for _, value in parts)
    radius, thickness = size / 2 - 10, 34
    cx = cy = size / 2
    circumference = 2 * math.pi * (radius - thickness / 2)
    body, offset = [], 0.0
    for index, (label, value) in enumerate(parts):
        share = value / total if total else 0
        length = circumference * share
        colour = PALETTE[index % len(PALETTE)]
        body.append(
            f'<circle cx="{cx}" cy="{cy}" r="{radius - thickness / 2:.1f}" fill="none" stroke="{colour}" '
            f'stroke-width="{thickness}" stroke-dasharray="{length:.2f} {circumference - length:.2f}" '
            f'stroke-dashoffset="{-offset:.2f}" transform="rotate(-90 {cx} {cy})">'
            f"<title>{escape(label)}: {_fmt(value)} ({share:.1%})</title></circle>"
        )
        body.append(
            f'<rect x="{size + 10}" y="{14 + index * 22}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{size + 28}" y="{24 + index * 22}">{escape(label)}: {_fmt(value)} ({share:.1%})</text>'
        )
        offset += length
    return _svg(size + 280, max(size, 30 + 22 * len(parts)), body, title)


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[tuple[str, float]]]], *, title: str, width: int = 720, label_width: int = 110
) -> str:
    """One horizontal bar per row, split into its parts' shares (each bar is 100 %), with a legend.

    A part has the same colour in every bar: colours follow the order parts first appear in.
    """
    row, top = 24, 8
    colours: dict[str, str] = {}
    for _, parts in rows:
        for name, _ in parts:
            colours.setdefault(name, PALETTE[len(colours) % len(PALETTE)])
    legend_top = top * 2 + row * max(len(rows), 1)
    height = legend_top + 22 * ((len(colours) + 3) // 4) + 8
    span = width - label_width - 20
    body = []
    for index, (label, parts) in enumerate(rows):
        y = top + index * row
        total = sum(value for _, value in parts) or 1
        shown = label if len(label) <= 16 else label[:15] + "…"
        body.append(f'<text x="{label_width - 6}" y="{y + 16}" text-anchor="end">{escape(shown)}</text>')
        x = float(label_width)
        for name, value in parts:
            length = span * value / total
            body.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" fill="{colours[name]}">'
                f"<title>{escape(label)}, {escape(name)}: {_fmt(value)} ({value / total:.1%})</title></rect>"
            )
            x += length
    if not rows:
        body.append(f'<text x="{width / 2}" y="{top + 15}" text-anchor="middle">no data</text>')
    for index, (name, colour) in enumerate(colours.items()):
        x, y = label_width + (index % 4) * (span / 4), legend_top + 22 * (index // 4)
        body.append(f'<rect x="{x:.1f}" y="{y}" width="12" height="12" fill="{colour}"/><text x="{x + 18:.1f}" y="{y + 10}">{escape(name)}</text>')
    return _svg(width, height, body, title)
