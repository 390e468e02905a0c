"""labctl: the Mastodon Analytics Lab's command line."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from labctl.commands import bundle, collect, course, data, feeds, gdpr, jobs, pipeline, query, replay, stack
from labctl.commands.gdpr import FORGET_WAIT_SECONDS
from labctl.core.errors import LabError
from labctl.core.ui import err

app = typer.Typer(
    help="Provision and drive the Mastodon Analytics Lab: Hadoop, HBase and Airflow in Docker.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # --install-completion / --show-completion for the running shell; `labctl completion SHELL` for any.
    add_completion=True,
)


def _show_version(value: bool) -> None:
    if value:
        from labctl import __version__

        typer.echo(f"labctl {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print labctl's version and exit (`labctl version` lists every pin).")] = False,
) -> None:
    """Provision and drive the Mastodon Analytics Lab: Hadoop, HBase and Airflow in Docker."""


def completion(shell: Annotated[str, typer.Argument(metavar="bash|zsh|fish", help="The shell to complete for.")]) -> None:
    """Print the completion script for a shell, e.g. `labctl completion bash > /etc/bash_completion.d/labctl`,
    or `eval "$(labctl completion zsh)"` in ~/.zshrc."""
    from typer._completion_shared import get_completion_script

    if shell not in ("bash", "zsh", "fish"):
        raise LabError(f"no completion for {shell!r}", hint="labctl completion bash|zsh|fish")
    typer.echo(get_completion_script(prog_name="labctl", complete_var="_LABCTL_COMPLETE", shell=shell))


stack.register(app)
pipeline.register(app)
# collect, ingest, record, `token check` and `lake` sit at the top level, as users type them.
app.add_typer(collect.app)
# `labctl query NAME` and `labctl report`, reading HBase through Thrift.
app.add_typer(query.app)
app.add_typer(jobs.app, name="jobs", help="The Hadoop Streaming jobs: run them locally (map, sort, reduce) without Hadoop.")
app.add_typer(gdpr.app, name="gdpr", help="GDPR: the register, erasure of an account (forget), purge of deleted statuses, the audit log.")
app.add_typer(replay.app, name="replay", help="The lab's Mastodon replay server: a required token, injected faults (show, set, reset).")
app.add_typer(feeds.app, name="feeds", help="The feeds (instance x timeline) each scheduled run collects: list, add, remove.")
app.add_typer(data.app, name="data", help="Synthetic Mastodon data sets: the generator behind seed_data/.")
app.add_typer(course.app, name="course", help="The course: exercises to build, a workspace each, a grader that checks them.")
app.add_typer(bundle.app, name="bundle", help="The offline bundle for classrooms: export the lab to one file, import it with no registry.")
app.command("completion")(completion)



def reflow_help(text: str | None) -> str | None:
    """A docstring's paragraphs as single lines: Typer joins only the first paragraph's hard
    line breaks, so later ones rendered ragged in `--help`. Lines starting a list item stay."""
    if not text:
        return text
    import inspect
    import re

    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(re.sub(r"\n(?![-*] )\s*", " ", paragraph) for paragraph in paragraphs)


def _reflow_all(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        command.help = reflow_help(command.help or (command.callback.__doc__ if command.callback else None))
    for group in typer_app.registered_groups:
        group.help = reflow_help(group.help if isinstance(group.help, str) else None) or group.help
        if group.typer_instance is not None:
            _reflow_all(group.typer_instance)


_reflow_all(app)

ERROR_LOG = Path.home() / ".cache" / "labctl" / "last-error.log"


# Commands that read or write the HDFS lake run on the lab's edge node, where
# WebHDFS's redirects to DataNodes resolve (labctl/core/edge.py).
EDGE_COMMANDS = {
    ("lake", "prune"): [],  # each zone's owner deletes in it (labctl/commands/collect.py)
    ("lake",): ["--hdfs-user", "engineer"],
    ("gdpr", "forget"): [],
    ("gdpr", "purge"): [],
    ("gdpr", "erasures"): [],
}


def _edge_extra(argv: list[str]) -> list[str] | None:
    for prefix, extra in EDGE_COMMANDS.items():
        if tuple(argv[: len(prefix)]) == prefix:
            return extra
    return None


def _forward_to_edge(argv: list[str]) -> int | None:
    import os

    extra = _edge_extra(argv)
    if extra is None or os.environ.get("LABCTL_ON_EDGE") or "--lake" in argv or "--help" in argv:
        return None
    import getpass

    from labctl.core import edge
    from labctl.core.ui import out

    extra = [] if "--hdfs-user" in argv else list(extra)
    if argv[0] == "gdpr" and "--actor" not in argv and argv[1] != "erasures":
        extra += ["--actor", getpass.getuser()]  # the person at the host, not the edge's service user
    with _on_host(argv) as more:
        code, output = edge.run_labctl([*argv, *extra, *more])
    out.print(output, end="", markup=False, highlight=False, soft_wrap=True)
    return code


def _option(argv: list[str], name: str) -> str | None:
    """The value of `--name VALUE` or `--name=VALUE` in argv, before Typer parses it on the edge."""
    for index, word in enumerate(argv):
        if word == name and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith(name + "="):
            return word.split("=", 1)[1]
    return None


@contextmanager
def _on_host(argv: list[str]) -> Iterator[list[str]]:
    """What a forwarded command needs from the host, where Airflow's API and its login are:
    `lake` shows the lab's own retention; `gdpr forget` and `purge` run while no DAG run does."""
    from labctl.core import runs
    from labctl.core.airflow_api import AirflowAPI
    from labctl.core.manifest import Manifest

    if argv[:1] == ["lake"] and argv[1:2] != ["prune"] and _option(argv, "--keep-days") is None:
        try:
            setting = runs.retention_setting(AirflowAPI(Manifest(), timeout=5))
        except LabError:  # Airflow not answering: the default is shown, as the DAG would use it
            setting = None
        yield ["--keep-days", setting] if setting else []
    elif argv[:2] in (["gdpr", "forget"], ["gdpr", "purge"]) and "--dry-run" not in argv:
        try:
            wait = float(_option(argv, "--wait") or FORGET_WAIT_SECONDS)
        except ValueError:
            wait = FORGET_WAIT_SECONDS  # the edge's Typer reports the bad value
        with runs.pipeline_quiet(AirflowAPI(Manifest()), wait=wait, what=f"gdpr {argv[1]}"):
            yield []
    else:
        yield []


def main(argv: list[str] | None = None) -> int:
    """One error handler: known failures print one clear message; others leave a traceback file.

    Typer runs in standalone mode, so every usage error (unknown command, missing argument,
    bad value) gets Typer's own message and exit code 2, whichever of its exception classes
    it raised; Typer's standalone mode returns through SystemExit. A LabError or a bug is
    not Typer's to handle and comes through as itself.
    """
    argv = sys.argv[1:] if argv is None else argv
    try:
        forwarded = _forward_to_edge(argv)
        if forwarded is not None:
            return forwarded
        app(args=argv, prog_name="labctl", standalone_mode=True)
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except LabError as exc:
        _print_lab_error(exc)
        return 1
    except KeyboardInterrupt:  # outside Typer's own handling (e.g. while forwarding to the edge)
        err.print("aborted")
        return 130
    except Exception as exc:  # a bug: keep the traceback for the report
        ERROR_LOG.parent.mkdir(parents=True, exist_ok=True)
        ERROR_LOG.write_text(traceback.format_exc())
        err.print(f"[red]unexpected error:[/] {exc!r} (traceback in {ERROR_LOG})", highlight=False)
        return 2


def _print_lab_error(exc: LabError) -> None:
    err.print(f"[red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)  # paths stay whole
    if exc.details:
        err.print(exc.details, markup=False, highlight=False)
    if exc.hint:
        err.print(f"[yellow]hint:[/] {escape(exc.hint)}", highlight=False)


def entrypoint() -> None:
    sys.exit(main())
