"""`labctl report`: one self-contained HTML page for the latest published run.

`gather` asks HBase the same queries as `labctl query` (bounded scans and gets); `render` is
a pure function of that data (inline CSS and SVG, no script, nothing fetched), so the tests
render pages without HBase. Accounts appear as pseudonyms.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

from labctl.hbase import report_pipeline, svg
from labctl.hbase.queries import Reader, ScanMeter, query, resolve_run
from labctl.hbase.schema import NAMESPACE

CHART_TOP = 15
TABLE_TOP = 10
LANGUAGE_BARS = 12
MIX_REGIONS = 8  # regions in the language-mix chart: one query each
MIX_LANGUAGES = 6  # languages with a colour of their own in it; the rest are "others"

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee}
th{text-align:left;background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:flex;flex-wrap:wrap;gap:1rem 2rem}.muted{color:#666;font-size:.9rem}svg{max-width:100%;height:auto}
"""


def gather(connection, *, run: str | None = None, namespace: str = NAMESPACE, meter: ScanMeter | None = None) -> dict[str, Any]:
    """Every number the page shows, from HBase."""
    run = resolve_run(Reader(connection, namespace), run)

    def ask(name: str, limit: int | None = None, **options: Any) -> dict[str, Any]:
        return query(connection, name, limit, run=run, namespace=namespace, meter=meter, **options)

    regions = ask("regions")["regions"]
    return {
        "run_id": run,
        "totals": ask("totals")["totals"],
        "languages": ask("languages")["languages"],
        "user_growth": ask("user-growth")["user_growth"],
        "media_types": ask("media")["media_types"],
        "tags": ask("top-tags", CHART_TOP)["tags"],
        "domains": ask("top-domains", CHART_TOP)["domains"],
        "urls": ask("top-urls", TABLE_TOP)["urls"],
        "followers": ask("top-users", TABLE_TOP)["followers"],
        "engagement": ask("engagement", TABLE_TOP)["engagement"],
        "engagement_by_rate": ask("engagement", TABLE_TOP, by="rate")["engagement"],
        "mentions": ask("top-mentions", TABLE_TOP)["mentions"],
        "emojis": ask("top-emojis", TABLE_TOP)["emojis"],
        "instances": ask("instances", CHART_TOP)["instances"],
        "regions": regions,
        "language_by_region": {
            region: ask("languages", None, region=region)["language_by_region"][region] for region in list(regions)[:MIX_REGIONS]
        },
        "media_engagement": ask("media-engagement")["media_engagement"],
    }


def _table(columns: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(column)}</th>" for column in columns)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, float):
                cells.append(f'<td class="n">{cell:.4g}</td>')
            elif isinstance(cell, int):
                cells.append(f'<td class="n">{cell:,}</td>')
            else:
                cells.append(f"<td>{escape(str(cell))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not rows:
        body.append(f'<tr><td colspan="{len(columns)}" class="muted">none</td></tr>')
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def language_bars(languages: dict[str, int], statuses: int) -> list[tuple[str, float]]:
    """Shares in percent: the largest languages, the rest as one bar."""
    items = list(languages.items())
    shown = items[:LANGUAGE_BARS]
    rest = sum(count for _, count in items[LANGUAGE_BARS:])
    if rest:
        shown.append((f"{len(items) - LANGUAGE_BARS} others", rest))
    return [(code, 100 * count / statuses if statuses else 0.0) for code, count in shown]


def language_mix(language_by_region: dict[str, dict[str, int]]) -> list[tuple[str, list[tuple[str, int]]]]:
    """Per region, its statuses in the languages most used across the regions shown, the rest as "others"."""
    overall: dict[str, int] = {}
    for languages in language_by_region.values():
        for code, count in languages.items():
            overall[code] = overall.get(code, 0) + count
    kept = sorted(overall, key=lambda code: (-overall[code], code))[:MIX_LANGUAGES]
    rows = []
    for region, languages in language_by_region.items():
        parts = [(code, languages.get(code, 0)) for code in kept]
        rest = sum(count for code, count in languages.items() if code not in kept)
        rows.append((region, parts + ([("others", rest)] if rest else [])))
    return rows


def media_engagement_bars(media: dict[str, Any]) -> list[tuple[str, float]]:
    groups = [(group.replace("_", " "), media[group]) for group in ("with_media", "without_media")]
    return [(f"{name} ({entry['statuses']:,})", entry["avg_interactions"]) for name, entry in groups + list(media["by_type"].items())]


def render(data: dict[str, Any], *, generated_at: datetime | None = None) -> str:
    generated = (generated_at or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    totals = data["totals"]
    statuses = totals["statuses"]
    growth = [(month, entry["new"], entry["cumulative"]) for month, entry in data["user_growth"].items()]
    sections = [
        "<h2>Totals</h2>" + _table(["", "count"], [[name.replace("_", " "), count] for name, count in totals.items()]),
        "<h2>Languages</h2>"
        + svg.bar_chart(language_bars(data["languages"], statuses), title="Share of statuses per language", label_width=110, suffix=" %")
        + _table(
            ["language", "statuses", "share"],
            [[code, count, f"{count / statuses:.1%}" if statuses else "-"] for code, count in data["languages"].items()],
        ),
        "<h2>Account growth</h2>"
        + svg.growth_chart(growth, title="Accounts by month of creation")
        + _table(["month", "new", "cumulative"], [list(row) for row in growth[-TABLE_TOP:]])
        + f'<p class="muted">The last {min(TABLE_TOP, len(growth))} of {len(growth)} months.</p>',
        "<h2>Media</h2>"
        + '<div class="grid">'
        + svg.donut(
            [("with media", totals["statuses_with_media"]), ("without media", statuses - totals["statuses_with_media"])],
            title="Statuses with media",
        )
        + svg.bar_chart(list(data["media_types"].items()), title="Attachments by type", label_width=90, width=420)
        + "</div>",
        "<h2>Media engagement</h2>"
        + svg.bar_chart(
            media_engagement_bars(data["media_engagement"]),
            title="Mean interactions (favourites + boosts + replies) per status, by media",
            label_width=170,
        )
        + '<p class="muted">In brackets, the statuses of each group. A status with attachments of two types counts '
        "under both.</p>",
        "<h2>Regions</h2>"
        + svg.bar_chart(list(data["regions"].items())[:CHART_TOP], title="Statuses per region", label_width=90)
        + svg.stacked_bars(language_mix(data["language_by_region"]), title="Language mix of the largest regions")
        + '<p class="muted">A region is the country-code domain of the author\'s server (<code>.de</code>, '
        "<code>.fr</code>), else <i>generic</i>: where servers are named, not where people are. <code>.io</code>, "
        "<code>.me</code> or <code>.tv</code> are rarely about their country, and a server's members live anywhere "
        "(docs/metrics.md).</p>",
        "<h2>Top instances</h2>"
        + svg.bar_chart(list(data["instances"].items()), title="Statuses per instance (the author's server)")
        + '<p class="muted">An instance of one member names that person\'s server.</p>',
        "<h2>Top tags</h2>"
        + svg.bar_chart(list(data["tags"].items()), title="Statuses per tag")
        + _table(["tag", "statuses"], [list(item) for item in data["tags"].items()]),
        "<h2>Top domains</h2>"
        + svg.bar_chart(list(data["domains"].items()), title="Statuses linking to each domain")
        + _table(["domain", "statuses"], [list(item) for item in data["domains"].items()]),
        "<h2>Top URLs</h2>" + _table(["url", "statuses"], [list(item) for item in data["urls"].items()]),
        "<h2>Accounts with the most followers</h2>"
        + _table(
            ["account", "followers", "following", "statuses"],
            [[h, a["followers"], a["following"], a["statuses_count"]] for h, a in data["followers"].items()],
        ),
        "<h2>Most engaged accounts</h2>"
        + "<h3>By interactions</h3>"
        + _engagement_table(data["engagement"])
        + "<h3>By engagement rate</h3>"
        + _engagement_table(data["engagement_by_rate"]),
        "<h2>Most mentioned accounts</h2>" + _table(["account", "statuses"], [list(item) for item in data["mentions"].items()]),
        "<h2>Top custom emojis</h2>" + _table(["shortcode", "statuses"], [list(item) for item in data["emojis"].items()]),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Mastodon Analytics Lab: run {escape(data['run_id'])}</title><style>{_CSS}</style></head><body>"
        f"<h1>Mastodon Analytics Lab</h1><p class=\"muted\">Run <code>{escape(data['run_id'])}</code>, read from HBase; "
        f"generated {escape(generated)}. Accounts are pseudonyms (keyed HMAC); counts follow docs/metrics.md.</p>"
        + "".join(sections)
        + _pipeline_section(data)
        + "</body></html>\n"
    )


def _engagement_table(engagement: dict[str, dict[str, Any]]) -> str:
    return _table(
        ["account", "statuses", "interactions", "followers", "avg interactions", "engagement rate"],
        [
            [h, e["statuses"], e["interactions"], e["followers"], float(e["avg_interactions"]), float(e["engagement_rate"])]
            for h, e in engagement.items()
        ],
    )


# --- The pipeline section (labctl/hbase/report_pipeline.py): how the run was made ---------


def _pipeline_section(data: dict[str, Any]) -> str:
    pipeline = data.get("pipeline")
    if pipeline is None:
        return ""
    return report_pipeline.render(pipeline, jobhistory=pipeline.get("jobhistory", ""))


def write_report(connection, out_dir: Path, *, run: str | None = None, namespace: str = NAMESPACE, pipeline: bool = True) -> Path:
    data = gather(connection, run=run, namespace=namespace)
    if pipeline:
        data["pipeline"] = report_pipeline.gather_from_lab(data["run_id"])
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "index.html"
    page.write_text(render(data), encoding="utf-8", errors="xmlcharrefreplace")
    return page
