"""`labctl feeds list|add|remove`: the feeds (instance x timeline) scheduled runs collect.

They live in the Airflow Variable `pipeline_feeds` (default: PIPELINE_FEEDS in stack/lab.env);
the logic is in labctl/pipeline/feeds.py."""

from __future__ import annotations

from typing import Annotated

import requests
import typer
from rich.table import Table

from labctl.core import ui
from labctl.core.edge import lab_only_group
from labctl.core.airflow_api import AirflowAPI
from labctl.core.errors import LabError
from labctl.core.manifest import Manifest
from labctl.core.ui import out
from labctl.pipeline import feeds as fd
from labctl.commands.base import group

app = group(help="The feeds (instance x timeline) each scheduled run collects.", no_args_is_help=True)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 120


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="feeds", help="The feeds (instance x timeline) each scheduled run collects: list, add, remove.")


Instance = Annotated[str, typer.Argument(help="A recorded instance's domain (toot.varmo.de) or a live instance's URL (https://...).")]
TimelineArg = Annotated[str, typer.Argument(metavar="public|local|tag:NAME", help="Which timeline.")]


def _load(manifest: Manifest) -> tuple[AirflowAPI, list[fd.Feed], bool]:
    api = AirflowAPI(manifest)
    try:
        found, default = fd.declared_feeds(api, manifest[fd.MANIFEST_KEY])
    except fd.FeedError as exc:
        raise LabError(f"the Variable {fd.VARIABLE} cannot be read: {exc}", hint="fix it in the Airflow UI (Admin → Variables)") from None
    return api, found, default


def _feed(instance: str, timeline: str) -> fd.Feed:
    try:
        return fd.Feed.of(instance, timeline)
    except fd.FeedError as exc:
        raise LabError(str(exc)) from None


def recorded_instances(manifest: Manifest) -> list[str]:
    """The domains the lab's replay server serves."""
    from labctl.core import clients
    from labctl.core.addresses import current

    book = current(manifest)
    url = f"{book.replay}/replay/instances"
    try:
        listing = clients.get_json(url, timeout=book.timeouts.rest)["instances"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise LabError(f"cannot list the replay server's instances ({url}): {exc}", hint="is the lab up? `labctl status`") from None
    return [entry["domain"] for entry in listing]


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """The feeds the next scheduled run collects."""
    _, found, default = _load(Manifest())
    if as_json:
        out.print_json(data={"default": default, "feeds": [f.as_dict() for f in found]})
        return
    table = Table(title=f"Feeds ({'the default, ' + fd.MANIFEST_KEY + ' in stack/lab.env' if default else 'Variable ' + fd.VARIABLE})")
    for column in ("instance", "timeline", "source"):
        table.add_column(column)
    for feed in found:
        table.add_row(feed.instance, feed.timeline, feed.source)
    out.print(table)


@app.command()
def add(instance: Instance, timeline: TimelineArg) -> None:
    """Add a feed: the next scheduled run collects it (first a limit: see docs/operations.md)."""
    manifest = Manifest()
    api, found, default = _load(manifest)
    feed = _feed(instance, timeline)
    recorded = recorded_instances(manifest) if feed.source == "recorded" else None
    try:
        updated = fd.add_feed(found, feed, recorded)
    except fd.FeedError as exc:
        raise LabError(str(exc)) from None
    fd.save_feeds(api, updated, exists=not default)
    ui.info(f"added {feed.label}: {len(updated)} feeds")


@app.command()
def remove(instance: Instance, timeline: TimelineArg) -> None:
    """Remove a feed: later runs stop collecting it (its data stays until retention removes it)."""
    api, found, default = _load(Manifest())
    try:
        updated = fd.remove_feed(found, _feed(instance, timeline))
    except fd.FeedError as exc:
        raise LabError(str(exc)) from None
    fd.save_feeds(api, updated, exists=not default)
    ui.info(f"removed {instance} {timeline}: {len(updated)} feeds")


# The lab's recorded feeds and Airflow Variable: refused against a cluster profile.
lab_only_group(app, "feeds")
