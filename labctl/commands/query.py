"""`labctl query` and `labctl report`: the analysis questions, answered from HBase."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from labctl.commands.jobs import dumps
from labctl.core import ui
from labctl.core.errors import LabError
from labctl.hbase import keys, queries, reidentify
from labctl.hbase.connection import HBASE_ERRORS, connect, error_message
from labctl.hbase.runs import RunError
from labctl.hbase.schema import NAMESPACE
from labctl.commands.base import group

app = group()


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 80


def register(parent: typer.Typer) -> None:
    # `labctl query NAME` and `labctl report`, reading HBase through Thrift, at the top level.
    parent.add_typer(app)


NAMES_HELP = (
    f"One of: {', '.join(queries.QUERY_NAMES)}; or `user HANDLE`; "
    f"or {', '.join(queries.LOOKUPS)} followed by a name (one count). "
    "`languages --region R` lists the languages of one region."
)
NamespaceOption = Annotated[str, typer.Option(help="HBase namespace of the tables (tests use their own).")]
RunOption = Annotated[str | None, typer.Option("--run", help="Read this run id instead of the latest published run.")]


@contextmanager
def hbase() -> Iterator[Any]:
    """A connection for one command; every failure it can meet becomes one clear LabError."""
    connection = connect()
    try:
        yield connection
    except (queries.QueryError, RunError, keys.KeyEncodingError, reidentify.RevealRefused) as error:
        raise LabError(str(error)) from error
    except HBASE_ERRORS as error:  # OSError included: a report folder that cannot be written
        message = error_message(error)
        if "TableNotFoundException" in message:
            raise LabError(f"HBase has no table {message.rsplit(' ', 1)[-1]}: `labctl deploy` creates the tables") from error
        raise LabError(f"HBase could not answer: {message}") from error
    finally:
        connection.close()


def _pseudonymiser():
    """The lab's pseudonymiser, or None when this user cannot read the key (pseudonyms still work)."""
    from labctl.core.manifest import Manifest
    from labctl.core.secrets import pseudonym_key
    from labctl.governance.pseudonym import Pseudonymiser

    try:
        return Pseudonymiser(pseudonym_key(Manifest()))
    except OSError:
        return None


def check_question(name: str, target: str | None, by: str, region: str | None = None) -> None:
    """The command line's words make a question, checked before HBase is reached: a typo
    should not wait for a connection, nor be hidden behind a connection error."""
    known = (*queries.QUERY_NAMES, "user", *queries.LOOKUPS)
    if name not in known:
        raise queries.QueryError(f"unknown query {name!r}: {NAMES_HELP}")
    if name == "user" and not target:
        raise queries.QueryError("`query user` needs a HANDLE (or its u_... pseudonym)")
    if name in queries.LOOKUPS and not target:
        raise queries.QueryError(f"`query {name}` needs the {name} to look up")
    if name in queries.QUERY_NAMES and target is not None:
        raise queries.QueryError(f"`query {name}` takes no argument (got {target!r})")
    if by != "interactions" and name != "engagement":
        raise queries.QueryError("--by applies to the engagement query only")
    if by not in queries.ENGAGEMENT_ORDERS:
        raise queries.QueryError(f"engagement is ordered by {' or '.join(queries.ENGAGEMENT_ORDERS)}, not {by!r}")
    if region is not None and name != "languages":
        raise queries.QueryError("--region applies to the languages query only")


def answer(
    connection, name: str, target: str | None, *, limit: int | None, by: str, run: str | None, namespace: str, region: str | None = None
) -> dict[str, Any]:
    """The query behind the command line's words."""
    check_question(name, target, by, region)
    if name == "user":
        return queries.account(connection, target, pseudonymiser=_pseudonymiser(), run=run, namespace=namespace)
    if name in queries.LOOKUPS:
        return queries.lookup(connection, name, target, run=run, namespace=namespace)
    return queries.query(connection, name, limit, by=by, region=region, run=run, namespace=namespace)


def _cells(row: list[Any]) -> list[str]:
    return [f"{cell:.4g}" if isinstance(cell, float) else f"{cell:,}" if isinstance(cell, int) else str(cell) for cell in row]


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    table = Table(title=title)
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for row in rows:
        table.add_row(*(escape(cell) for cell in _cells(row)))
    return table


_ACCOUNT = "account"
# section -> (title, columns, row of an entry)
_LAYOUTS: dict[str, tuple[str, list[str], Callable[[str, Any], list[Any]]]] = {
    "followers": ("Followers", [_ACCOUNT, "followers", "following", "statuses"], lambda k, a: [k, a["followers"], a["following"], a["statuses_count"]]),
    "engagement": (
        "Engagement",
        [_ACCOUNT, "statuses", "interactions", "followers", "avg interactions", "engagement rate"],
        lambda k, e: [k, e["statuses"], e["interactions"], e["followers"], float(e["avg_interactions"]), float(e["engagement_rate"])],
    ),
    "user_growth": ("User growth (account creation month)", ["month", "new", "cumulative"], lambda k, g: [k, g["new"], g["cumulative"]]),
    "totals": ("Totals", ["", "count"], lambda k, n: [k.replace("_", " "), n]),
    "urls": ("URLs", ["url", "statuses"], lambda k, n: [k, n]),
    "domains": ("Domains", ["domain", "statuses"], lambda k, n: [k, n]),
    "media_types": ("Media attachments", ["type", "attachments"], lambda k, n: [k, n]),
    "tags": ("Tags", ["tag", "statuses"], lambda k, n: [k, n]),
    "mentions": ("Mentions", [_ACCOUNT, "statuses"], lambda k, n: [k, n]),
    "emojis": ("Custom emojis", ["shortcode", "statuses"], lambda k, n: [k, n]),
    "instances": ("Instances", ["instance", "statuses"], lambda k, n: [k, n]),
    "regions": ("Regions (server domain)", ["region", "statuses"], lambda k, n: [k, n]),
}
_ENGAGEMENT_COLUMNS = ["statuses", "interactions", "avg interactions"]


def _engagement_row(name: str, entry: dict[str, Any]) -> list[Any]:
    return [name, entry["statuses"], entry["interactions"], float(entry["avg_interactions"])]


def tables(result: dict[str, Any]) -> list[Table]:
    """Rich tables of a query's answer, one per section."""
    shown = []
    for section, entries in result.items():
        if section == "language_shares" or (section == "regions" and "language_by_region" in result):
            continue
        if section == "languages":
            shares = result.get("language_shares", {})
            rows = [[code, count, f"{shares.get(code, 0):.1%}"] for code, count in entries.items()]
            shown.append(_table("Languages", ["language", "statuses", "share"], rows))
            continue
        if section == "language_by_region":
            shares = result.get("language_shares", {})
            for region, languages in entries.items():
                rows = [[code, count, f"{shares.get(code, 0):.1%}"] for code, count in languages.items()]
                title = f"Languages of region {region} ({result['regions'][region]:,} statuses)"
                shown.append(_table(title, ["language", "statuses", "share"], rows))
            continue
        if section == "media_engagement":
            groups = [_engagement_row(group.replace("_", " "), entries[group]) for group in ("with_media", "without_media")]
            shown.append(_table("Media engagement", ["statuses of", *_ENGAGEMENT_COLUMNS], groups))
            by_type = [_engagement_row(kind, entry) for kind, entry in entries["by_type"].items()]
            shown.append(_table("Media engagement by attachment type", ["type", *_ENGAGEMENT_COLUMNS], by_type))
            continue
        title, columns, row = _LAYOUTS[section]
        shown.append(_table(title, columns, [row(key, entry) for key, entry in entries.items()]))
    return shown


@app.command("query")
def query_command(
    name: Annotated[str, typer.Argument(help=NAMES_HELP, show_default=False)],
    target: Annotated[str | None, typer.Argument(help="The HANDLE of `user`, or the name a lookup counts.", show_default=False)] = None,
    limit: Annotated[int, typer.Option(min=0, help="Rows of a list; 0 for all.")] = queries.DEFAULT_LIMIT,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON, with the metric contract's field names.")] = False,
    by: Annotated[str, typer.Option(help="Order of `engagement`: interactions or rate.")] = "interactions",
    region: Annotated[
        str | None, typer.Option(help="With `languages`: the languages of one region (de, fr, jp..., or generic).", show_default=False)
    ] = None,
    show_handles: Annotated[bool, typer.Option("--reveal", help="Show real handles instead of pseudonyms (allowed users only).")] = False,
    run: RunOption = None,
    namespace: NamespaceOption = NAMESPACE,
) -> None:
    """Answer an analysis question from HBase (the latest published run)."""
    try:
        check_question(name, target, by, region)
    except queries.QueryError as error:
        raise LabError(str(error)) from None
    with hbase() as connection:
        run = queries.resolve_run(queries.Reader(connection, namespace), run)
        result = answer(connection, name, target, limit=limit or None, by=by, run=run, namespace=namespace, region=region)
        if show_handles:
            result = reidentify.reveal(connection, result, namespace=namespace)
    if name in ("user", *queries.LOOKUPS) and not any(result.values()):
        raise LabError(f"run {run} has no {name} {target!r}")
    if region is not None and not result["regions"]:
        raise LabError(f"run {run} has no statuses in region {region!r}")
    ui.info(f"run {run}")
    if as_json:
        ui.data(dumps(result))
        return
    for table in tables(result):
        ui.out.print(table)


@app.command("report")
def report_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write index.html into.")] = Path("reports/hbase"),
    run: RunOption = None,
    namespace: NamespaceOption = NAMESPACE,
    pipeline: Annotated[bool, typer.Option("--pipeline/--no-pipeline", help="Add how the run was made (task durations, YARN applications, counters, malformed ratio, the previous run), from Airflow's REST API.")] = True,
) -> None:
    """Write an offline HTML report (charts and tables) of the latest published run."""
    from labctl.hbase.report import write_report

    with hbase() as connection:
        page = write_report(connection, out, run=run, namespace=namespace, pipeline=pipeline)
    ui.info(f"report written to {page}")
    ui.data(str(page))
