"""`labctl token check|store`: the Mastodon access token, what it may read, and storing it
for the DAG's live source (MASTODON_ACCESS_TOKEN or MASTODON_ACCESS_TOKEN_FILE; never printed)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Annotated, Optional
from urllib.parse import quote

import typer
from rich.table import Table

from labctl.collect.access import ALL_TIMELINES, AccessReport, check_access
from labctl.collect.client import ClientOptions, MastodonClient
from labctl.collect.timelines import Timeline
from labctl.collect.token import TOKEN_ENV, TOKEN_FILE_ENV, load_token
from labctl.commands.base import group
from labctl.commands.options import InstanceOption, JsonOption, TimeoutOption, _timeline
from labctl.core.errors import LabError
from labctl.core import ui
from labctl.core.ui import out

app = group(help=f"The Mastodon access token ({TOKEN_ENV} or {TOKEN_FILE_ENV}).", no_args_is_help=True)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 60


def register(parent: typer.Typer) -> None:
    parent.add_typer(
        app, name="token",
        help="The Mastodon access token: what it may read (check), stored for the DAG's live source (store).",
    )


# Airflow's own rule for connection ids (airflow.utils.helpers.validate_key), minus ids made
# of dots only, which an HTTP client would read as a relative path ("..") and resolve away.
_CONN_ID = re.compile(r"^[\w.-]{1,250}$")


def _conn_id(value: str) -> str:
    if not _CONN_ID.match(value) or not value.strip("."):
        raise typer.BadParameter(f"{value!r}: a connection id is letters, digits, '_', '-' and '.' (not dots only), at most 250")
    return value


@app.command("store")
def token_store(
    instance: InstanceOption,
    conn_id: Annotated[str, typer.Option("--conn-id", callback=_conn_id, help="The Airflow Connection the DAG reads in live mode.")] = "mastodon_default",
) -> None:
    """Store your token (MASTODON_ACCESS_TOKEN or MASTODON_ACCESS_TOKEN_FILE) in the Airflow
    Connection the DAG's live mode reads: Airflow encrypts it with the lab's Fernet key. It goes
    over the lab's REST API from this process, never through a command line or a log."""
    from labctl.core import clients

    token = load_token()
    if token is None:
        raise LabError("no Mastodon token to store", hint=f"export {TOKEN_ENV} or point {TOKEN_FILE_ENV} at a 0600 file")
    api = clients.airflow()
    body = {"connection_id": conn_id, "conn_type": "generic", "host": instance, "password": token.reveal(),
            "description": "Mastodon access token for the pipeline's live mode (labctl token store)"}
    existing = {c["connection_id"] for c in api.get("/connections", limit=1000).get("connections", [])}
    if conn_id in existing:
        # One path segment whatever the id holds: '/', '?', '#' or '..' must not reach another endpoint.
        api.request("PATCH", f"/connections/{quote(conn_id, safe='')}", json=body)
    else:
        api.request("POST", "/connections", json=body)
    out.print(f"stored the token (not shown) for {instance} in the Airflow Connection {conn_id}")


@app.command("check")
def token_check(
    instance: InstanceOption,
    timeline: Annotated[Optional[Timeline], typer.Option("--timeline", parser=_timeline,
                                                         metavar="public|local|tag:NAME",
                                                         help="Check one timeline (default: all kinds).")] = None,
    search: Annotated[bool, typer.Option("--search", help="Also require read:search.")] = False,
    timeout: TimeoutOption = 30.0,
    as_json: JsonOption = False,
) -> None:
    """The token's scopes and what the instance lets it read. The token itself is never shown."""
    client = MastodonClient(instance, load_token(), ClientOptions(request_timeout=timeout, max_attempts=2))
    report = check_access(client, [timeline] if timeline else list(ALL_TIMELINES), search=search)
    if as_json:
        ui.data(json.dumps({**asdict(report), "problems": report.problems, "ok": report.ok}, indent=2))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(code=1)


def _print_report(report: AccessReport) -> None:
    table = Table(title=f"Access to {report.instance_url}", show_header=False)
    table.add_column("what")
    table.add_column("value")
    table.add_row("instance", f"{report.domain} (version {report.version or '?'}, {report.instance_api} instance API)")
    table.add_row("token", "present (not shown)" if report.authenticated else "none: anonymous")
    for problem in report.token_problems:
        table.add_row("[red]token problem[/]", problem)
    if report.authenticated and not report.token_problems:
        table.add_row("scopes", ", ".join(report.scopes) if report.scopes is not None else "not listed by the server")
        table.add_row("missing scopes", "[red]" + ", ".join(report.missing_scopes) + "[/]"
                      if report.missing_scopes else "[green]none[/]")
        if report.excess_scopes:
            table.add_row("more than needed", "[yellow]" + ", ".join(report.excess_scopes)
                          + "[/] (a read-only token is enough)")
    access = report.timelines_access
    for label, problems in report.feeds.items():
        state = "[green]readable[/]" if not problems else "[red]" + "; ".join(problems) + "[/]"
        table.add_row(f"timeline {label}", state)
    if access:
        table.add_row("timelines_access", json.dumps(access))
    for note in report.notes:
        table.add_row("note", note)
    out.print(table)
