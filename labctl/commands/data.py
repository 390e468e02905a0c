"""`labctl data`: synthetic Mastodon timelines, such as the recording shipped in seed_data/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from labctl.commands.base import group
from labctl.core import ui
from labctl.core.errors import LabError
from labctl.core.ui import out
from labctl.seedgen import (
    DEFAULT_DAYS,
    FORMATS,
    PROFILES,
    RECORDED_INSTANCES,
    Truth,
    parse_languages,
    write_recording,
)

app = group(
    help="Synthetic Mastodon data: a deterministic generator of recordings like the one in seed_data/.",
    no_args_is_help=True,
)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 130


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="data", help="Synthetic Mastodon data sets: the generator behind seed_data/.")


@app.callback()
def data() -> None:
    """Synthetic Mastodon data: a deterministic generator of recordings like the one in seed_data/."""


@app.command()
def generate(
    out_path: Annotated[
        Path,
        typer.Option("--out", help="Directory to write one file per recorded instance into; with one --instance, "
                                   "the file to write: .jsonl.gz, .jsonl, .json or .json.gz."),
    ],
    statuses: Annotated[int, typer.Option(min=1, help="Timeline entries to write (originals and boosts).")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: same parameters and seed, same bytes.")] = 2026,
    profile: Annotated[
        str, typer.Option(help=f"Preset of rates: {' or '.join(PROFILES)} (hostile adds malformed lines).")
    ] = "realistic",
    accounts: Annotated[
        int | None, typer.Option(min=10, help="Accounts in the table (default: statuses / 8, within 200..60,000).")
    ] = None,
    boost_ratio: Annotated[float | None, typer.Option(help="Share of entries that are boosts (default 0.15).")] = None,
    reply_ratio: Annotated[float | None, typer.Option(help="Share of originals that are replies (default 0.10).")] = None,
    languages: Annotated[
        str | None,
        typer.Option(help="One language mix for every instance, e.g. 'en=40,de=9,null=8,empty=1' (null: no "
                          "language). Default: each instance's region's mix."),
    ] = None,
    instance: Annotated[
        list[str] | None,
        typer.Option(help="A recorded instance (host name); repeat for several. Default: "
                          f"{', '.join(RECORDED_INSTANCES)}."),
    ] = None,
    end: Annotated[str | None, typer.Option(help="created_at of the newest entry, ISO 8601.")] = None,
    days: Annotated[float | None, typer.Option(help=f"Days from the oldest entry to the newest (default {DEFAULT_DAYS}).")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help=f"{' or '.join(FORMATS)}; by default from the file name.")
    ] = None,
    expected: Annotated[
        Path | None,
        typer.Option(help="Also write the metrics (JSON) the generator knows the recording must yield."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Write synthetic recordings of public timelines, one per recorded instance: exact Mastodon
    Status entities, newest first, from a synthetic fediverse of invented instances and people."""
    if profile not in PROFILES:
        raise LabError(f"unknown profile {profile!r}: choose {' or '.join(PROFILES)}")
    changes: dict = {"statuses": statuses, "seed": seed, "accounts": accounts}
    for name, value in (("boost_ratio", boost_ratio), ("reply_ratio", reply_ratio), ("days", days)):
        if value is not None:
            changes[name] = value
    if instance:
        changes["recorded"] = tuple(instance)
    if end is not None:
        changes["end"] = end
    truth = Truth() if expected is not None else None
    try:
        if languages is not None:
            changes["languages"] = parse_languages(languages)
        config = PROFILES[profile].replace(**changes)
        with ui.working(f"generating {statuses:,} statuses into {out_path}"):
            summary = write_recording(config, out_path, fmt=fmt, truth=truth)
    except ValueError as exc:
        raise LabError(str(exc)) from None
    except OSError as exc:
        raise LabError(f"cannot write {out_path}: {exc.strerror or exc}") from None
    if truth is not None and expected is not None:
        expected.write_text(json.dumps(truth.document(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if as_json:
        out.print_json(data=summary.as_dict())
        return
    table = Table(title=f"{summary.path}", show_header=False)
    for label, value in (
        ("format", summary.format + (" (gzip)" if summary.compressed else "")),
        ("lines", f"{summary.lines:,}"),
        ("distinct statuses", f"{summary.statuses:,}"),
        ("boosts", f"{summary.boosts:,}"),
        ("accounts (authors)", f"{summary.accounts:,}"),
        ("malformed / blank / duplicate lines", f"{summary.malformed:,} / {summary.blank:,} / {summary.duplicates:,}"),
        ("size", f"{summary.file_bytes:,} bytes ({summary.raw_bytes:,} uncompressed)"),
        ("sha256 (uncompressed)", summary.sha256),
    ):
        table.add_row(label, value)
    if len(summary.files) > 1:
        for file in summary.files:
            table.add_row(file.instance, f"{file.lines:,} lines, {file.file_bytes:,} bytes, sha256 {file.sha256[:16]}…")
    out.print(table)
