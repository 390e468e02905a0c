"""labctl: the Mastodon Analytics Lab's command line."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from labctl.commands import register_all
from labctl.commands.base import group
from labctl.core import addresses, edge, labs
from labctl.core.addresses import LAB, LAB_NETWORK, TARGET_ENV
from labctl.core.errors import LabError
from labctl.core import ui
from labctl.core.ui import err

app = group(
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
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print labctl's version and exit (`labctl version` lists every pin).")] = False,
    lab: Annotated[str | None, typer.Option("--lab", envvar="LAB_NAME", metavar="NAME", show_default=False, help="Which lab of this host: a name gives a lab its own containers, volumes, secrets and ports (`labctl --lab NAME up` creates it, `labctl labs` lists them); without it, the default lab.")] = None,
    target: Annotated[str, typer.Option("--target", envvar=TARGET_ENV, metavar="lab|FILE", help="What labctl drives: the lab, or an existing Hadoop, HBase and Airflow described by a cluster profile (a TOML file, docs/cluster.md).")] = LAB,
) -> None:
    """Provision and drive the Mastodon Analytics Lab: Hadoop, HBase and Airflow in Docker."""
    labs.select(lab, ctx.invoked_subcommand)
    use_target(target)


def use_target(target: str) -> None:
    """Every module asks the address book, which reads LABCTL_TARGET: the option sets it for
    this process (main() puts the caller's back). A profile is read now, so that its mistakes
    are reported before any command starts."""
    if target in (LAB, LAB_NETWORK):
        os.environ[TARGET_ENV] = target
        return
    path = Path(target).expanduser().resolve()
    os.environ[TARGET_ENV] = str(path)
    addresses.current()


def completion(shell: Annotated[str, typer.Argument(metavar="bash|zsh|fish", help="The shell to complete for.")]) -> None:
    """Print the completion script for a shell, e.g. `labctl completion bash > /etc/bash_completion.d/labctl`,
    or `eval "$(labctl completion zsh)"` in ~/.zshrc."""
    from typer._completion_shared import get_completion_script

    if shell not in ("bash", "zsh", "fish"):
        raise LabError(f"no completion for {shell!r}", hint="labctl completion bash|zsh|fish")
    typer.echo(get_completion_script(prog_name="labctl", complete_var="_LABCTL_COMPLETE", shell=shell))


# Every module of labctl/commands/ with a register(app), in their HELP_ORDER (labctl/commands/__init__.py).
register_all(app)
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
    for registered in typer_app.registered_groups:
        registered.help = reflow_help(registered.help if isinstance(registered.help, str) else None) or registered.help
        if registered.typer_instance is not None:
            _reflow_all(registered.typer_instance)


_reflow_all(app)

ERROR_LOG = Path.home() / ".cache" / "labctl" / "last-error.log"


def main(argv: list[str] | None = None) -> int:
    """One error handler: known failures print one clear message; others leave a traceback file.

    Typer runs in standalone mode, so every usage error (unknown command, missing argument,
    bad value) gets Typer's own message and exit code 2, whichever of its exception classes
    it raised; Typer's standalone mode returns through SystemExit. A LabError or a bug is
    not Typer's to handle and comes through as itself.
    """
    argv = sys.argv[1:] if argv is None else argv
    # Commands declared @on_edge run this command line on the edge node (labctl/core/edge.py).
    edge.remember_argv(argv)
    caller_target = os.environ.get(TARGET_ENV)
    try:
        app(args=argv, prog_name="labctl", standalone_mode=True)
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except LabError as exc:  # raised outside a command (command groups report their own the same way)
        ui.error(exc)
        return 1
    except KeyboardInterrupt:  # outside Typer's own handling (e.g. while forwarding to the edge)
        err.print("aborted")
        return 130
    except Exception as exc:  # a bug: keep the traceback for the report
        ERROR_LOG.parent.mkdir(parents=True, exist_ok=True)
        ERROR_LOG.write_text(traceback.format_exc())
        err.print(f"[red]unexpected error:[/] {exc!r} (traceback in {ERROR_LOG})", highlight=False)
        return 2
    finally:
        if caller_target is None:
            os.environ.pop(TARGET_ENV, None)
        else:
            os.environ[TARGET_ENV] = caller_target


def entrypoint() -> None:
    sys.exit(main())
