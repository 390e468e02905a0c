"""`labctl gdpr`: erasure of an account, purge of deleted statuses, the register, the audit log.

Add to the main app as `app.add_typer(gdpr.app, name="gdpr")`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from labctl.commands.options import JsonOption, LakeTarget, lake_options
from labctl.core.edge import host_login, lab_only_group, on_edge
from labctl.core.errors import LabError
from labctl.core import ui
from labctl.core.ui import err, out
from labctl.governance import inventory, roles
from labctl.governance.erasure import ErasureReport, forget, purge_statuses, read_audit_log
from labctl.governance.pseudonym import Pseudonymiser
from labctl.lake.fs import FileSystem, LocalFileSystem
from labctl.lake.layout import LakeLayout
from labctl.lake.permissions import ADMIN_USER
from labctl.commands.base import group

app = group(
    help="GDPR: erase an account (Art. 17), purge deleted statuses, the register (Art. 30), the erasure log.",
    no_args_is_help=True,
)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 100


def register(parent: typer.Typer) -> None:
    parent.add_typer(
        app, name="gdpr",
        help="GDPR: the register, erasure of an account (forget), purge of deleted statuses, the audit log.",
    )


DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
REGISTER_DOC = DOCS_DIR / "gdpr" / "register.md"
ACCESS_DOC = DOCS_DIR / "access.md"

# Tables in the documents that the code renders; everything around them is prose.
GENERATED: dict[str, Callable[[], str]] = {
    "field-inventory": inventory.render_markdown,
    "roles": roles.render_markdown,
}
_SECTION = re.compile(r"(<!-- BEGIN GENERATED (?P<name>[\w-]+)[^>]*-->\n)(?P<body>.*?)(<!-- END GENERATED (?P=name) -->)",
                      re.DOTALL)


def refresh(document: str) -> str:
    """The document with each generated table rendered again from the code."""
    def render(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in GENERATED:
            raise LabError(f"unknown generated section {name!r}", hint=f"known: {', '.join(GENERATED)}")
        return match.group(1) + GENERATED[name]() + match.group(4)

    return _SECTION.sub(render, document)


def generated_sections(document: str) -> list[str]:
    return [match.group("name") for match in _SECTION.finditer(document)]


# How long `forget` waits for a running DAG run before refusing (the host checks, through
# Airflow's API: _pipeline_quiet below and labctl.core.runs.pipeline_quiet).
FORGET_WAIT_SECONDS = 900.0


@contextmanager
def _pipeline_quiet(params: Mapping[str, object]) -> Iterator[list[str]]:
    """On the host, while `forget` or `purge` runs on the edge node: no DAG run (a run that read
    the raw zone before would write what is erased back). A dry run changes nothing."""
    if params.get("dry_run"):
        yield []
        return
    from labctl.core import runs
    from labctl.core.clients import airflow

    what = "gdpr forget" if "handle" in params else "gdpr purge"
    with runs.pipeline_quiet(airflow(), wait=float(params.get("wait", FORGET_WAIT_SECONDS)), what=what):
        yield []

# Erasure rewrites every zone, so it runs as the HDFS superuser (a lab administrator's job).
admin_lake = lake_options(user=ADMIN_USER, user_envvar="LABCTL_HDFS_ADMIN_USER",
                          user_help="HDFS user: erasure rewrites every zone, so the superuser.")
ActorOption = Annotated[Optional[str], typer.Option("--actor", help="Who carries it out, for the audit log "
                                                                    "(default: your login name).")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Count what would change; write nothing.")]
KeyFileOption = Annotated[Optional[Path], typer.Option(
    "--key-file", envvar="LABCTL_PSEUDONYM_KEY_FILE",
    help="The pseudonymisation key (default: the lab secret .lab/secrets/pseudonym-key).")]


@contextmanager
def _lake(target: LakeTarget) -> Iterator[tuple[FileSystem, LakeLayout]]:
    """The lake, with its known failures turned into one LabError."""
    fs, layout = target.open()
    with target.failures():
        yield fs, layout


def load_pseudonymiser(key_file: Path | None) -> Pseudonymiser:
    from labctl.governance.pseudonym import load_pseudonymiser as load

    return load(key_file)


def lab_hbase_forget() -> Callable[[str, str], int]:
    """Deletes an account's rows from every HBase table of the lab (through Thrift), and the
    URL rows naming it (`naming`: the pattern of its handle and profile URLs)."""
    try:
        from labctl.hbase import forget_account
        from labctl.hbase.connection import connect
    except ImportError as exc:
        raise LabError(f"HBase erasure is not available ({exc})",
                       hint="--no-hbase erases the lake only; run again with HBase later") from None

    def erase(pseudonym: str, naming: str) -> int:
        connection = connect()
        try:
            deleted = forget_account(connection, pseudonym, naming=naming)  # rows deleted per table
        finally:
            connection.close()
        return sum(deleted.values()) if isinstance(deleted, Mapping) else int(deleted)

    return erase


def _print_report(report: ErasureReport) -> None:
    verb = "would change" if report.dry_run else "changed"
    subject = report.subject.get("pseudonym") or f"{report.subject.get('statuses')} status id(s)"
    out.print(f"[bold]{report.kind}[/] {subject}: {report.batches_scanned} raw batches scanned, "
              f"{report.batches_rewritten} {verb}", highlight=False)
    for name, count in report.counts.items():
        out.print(f"  {name.replace('_', ' ')}: {count}", highlight=False)
    for run in report.derived_runs_deleted:
        out.print(f"  derived run {'to delete' if report.dry_run else 'deleted'}: {run}", highlight=False)
    if report.uploads_deleted:
        out.print(f"  uploaded files {'to delete' if report.dry_run else 'deleted'}: {report.uploads_deleted}", highlight=False)
    if report.kind == "forget":
        rows = f" ({report.hbase_rows} rows)" if report.hbase_rows is not None else ""
        out.print(f"  HBase: {report.hbase}{rows}", highlight=False)
    for op in report.recovered:
        ui.info(f"note: finished an interrupted erasure first: {op}")
    for problem in report.problems:
        ui.warn(problem)
    for path in report.residue:
        err.print(f"[red]still names the account:[/] {path}", highlight=False)
    if report.audit_path:
        out.print(f"audit record: {report.audit_path}", highlight=False)


def _finish(report: ErasureReport, as_json: bool) -> None:
    if as_json:
        ui.data(json.dumps({**asdict(report), "ok": report.ok}, indent=2))
    else:
        _print_report(report)
    if not report.ok:
        hbase_failed = report.hbase.startswith("failed")
        raise LabError(f"the {report.kind} is not complete" + (": HBase failed" if hbase_failed else ": see above"),
                       hint="the lake is clean; run the same command again once HBase is reachable" if hbase_failed else None)


@app.command("forget")
@on_edge(actor=True, on_host=_pipeline_quiet)
@admin_lake
def forget_command(
    handle: Annotated[str, typer.Argument(help="The account, user@host (e.g. alice@mastodon.social).")],
    target: LakeTarget,
    reason: Annotated[str, typer.Option("--reason", help="Why: the request's reference (a handle in it is masked).")]
    = "erasure request (GDPR Art. 17)",
    actor: ActorOption = None,
    hbase: Annotated[bool, typer.Option("--hbase/--no-hbase", help="Also delete the account's HBase rows.")] = True,
    keep_derived: Annotated[bool, typer.Option(
        "--keep-derived", help="Do not delete curated/quarantine runs naming the account (they are reported).")] = False,
    dry_run: DryRunOption = False,
    key_file: KeyFileOption = None,
    uploads: Annotated[Optional[Path], typer.Option(
        "--uploads", help="The folder of files waiting for a pipeline run (default: the edge node's, LAB_UPLOAD_DIR).")] = None,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="Seconds to wait for a running pipeline run to end (new runs are paused meanwhile); "
                              "0 refuses at once. Checked on the host, through Airflow's API.")] = FORGET_WAIT_SECONDS,
    as_json: JsonOption = False,
) -> None:
    """Erase an account: its records and boosts of them leave the raw zone, mentions of it are
    redacted, derived runs and uploads naming it are deleted, its HBase rows too (URL rows
    naming it included); the audit log gets its pseudonym. Never while a pipeline run goes on."""
    with _lake(target) as (fs, layout):
        report = forget(
            fs, layout, handle,
            hbase_forget=lab_hbase_forget() if hbase and not dry_run else None,
            pseudonymiser=load_pseudonymiser(key_file),
            audit_actor=actor or host_login(),
            reason=reason,
            delete_derived=not keep_derived,
            dry_run=dry_run,
            uploads=_uploads(uploads),
        )
    _finish(report, as_json)


def _uploads(folder: Path | None) -> FileSystem | None:
    """The edge node's upload folder, when this machine has it (forget runs on the edge node)."""
    from labctl.core.manifest import upload_dir

    folder = folder or Path(upload_dir())
    return LocalFileSystem(folder) if folder.is_dir() else None


@app.command("purge")
@on_edge(actor=True, on_host=_pipeline_quiet)
@admin_lake
def purge_command(
    status_ids: Annotated[list[str], typer.Argument(help="Ids of statuses deleted at the source.")],
    target: LakeTarget,
    instance: Annotated[Optional[str], typer.Option(
        "--instance", help="Only this instance's partition (ids are per instance).")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why, for the audit log.")] = "deleted at the source",
    actor: ActorOption = None,
    dry_run: DryRunOption = False,
    wait: Annotated[float, typer.Option(
        "--wait", min=0, help="Seconds to wait for a running pipeline run to end; 0 refuses at once.")] = FORGET_WAIT_SECONDS,
    as_json: JsonOption = False,
) -> None:
    """Remove deleted statuses, and boosts of them, from the raw zone."""
    with _lake(target) as (fs, layout):
        report = purge_statuses(fs, layout, status_ids, instance=instance, audit_actor=actor or host_login(),
                                reason=reason, dry_run=dry_run)
    _finish(report, as_json)


@app.command("register")
def register_command(
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when the documents' tables differ from the code.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Render the documents' tables again from the code.")] = False,
) -> None:
    """Print the register of processing activities (docs/gdpr/register.md, its field table from the code)."""
    documents = [REGISTER_DOC, ACCESS_DOC]
    if check or write:
        stale = []
        for path in documents:
            text = path.read_text(encoding="utf-8")
            fresh = refresh(text)
            if fresh != text:
                stale.append(path)
                if write:
                    path.write_text(fresh, encoding="utf-8")
        for path in stale:
            err.print(f"{'rewrote' if write else '[red]out of date:[/]'} {path}", highlight=False)
        if check and stale and not write:
            raise LabError("the documents' generated tables are out of date", hint="labctl gdpr register --write")
        return
    if REGISTER_DOC.is_file():
        ui.data(refresh(REGISTER_DOC.read_text(encoding="utf-8")), end="")
    else:  # an installed labctl without the documents: the code's part of the register
        ui.info(f"note: {REGISTER_DOC} not found; printing the field inventory only")
        ui.data(inventory.render_markdown(), end="")


@app.command("erasures")
@on_edge()
@admin_lake
def erasures_command(target: LakeTarget, as_json: JsonOption = False) -> None:
    """The erasure audit log: every forget and purge, oldest first."""
    with _lake(target) as (fs, layout):
        records = read_audit_log(fs, layout)
    if as_json:
        ui.data(json.dumps(records, indent=2))
        return
    table = Table(title=f"Erasures ({len(records)})")
    for column in ("when", "kind", "subject", "actor", "reason", "removed / redacted", "HBase"):
        table.add_column(column)
    for record in records:
        subject = record["subject"].get("pseudonym") or f"{record['subject'].get('statuses')} status(es)"
        counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in record.get("counts", {}).items()) or "nothing"
        table.add_row(record["at"], record["kind"], subject, record["actor"], record["reason"], counts,
                      str(record.get("hbase", "")))
    out.print(table)


# The lab's lake, HBase and audit log, through its edge node: refused against a cluster profile.
lab_only_group(app, "gdpr")
