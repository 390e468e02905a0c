"""Run labctl itself on the lab's edge node (an Airflow container).

Inside the lab network the lake is WebHDFS at the NameNode and its DataNodes resolve;
from the host they do not (WebHDFS redirects writes to DataNode host names). So commands
that touch the lake run `python -m labctl ...` on the edge node, where the repository's
labctl/ and stack/lab.env are mounted, with the address book's `lab-network` target; the
host only forwards.

A command says so beside its definition, with `@on_edge(...)`; `run_on_edge` is the one
function that decides and forwards: when labctl targets the lab from the host and the
command was given no lake of its own (`--lake`), the same command line runs on the edge
node, with the host's files copied there and its secrets handed over as 0600 files.
Anywhere else (on the edge itself, against a cluster profile, with --lake) it runs here.

A command that only makes sense for the lab (its containers, images, edge node, replay
server) says so with `@lab_only(...)`: against a cluster profile it is refused, naming itself
and the target.
"""

from __future__ import annotations

import functools
import getpass
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from labctl.core import engine as eng
from labctl.core.addresses import LAB, LAB_NETWORK, TARGET_ENV, service, target_name
from labctl.core.errors import LabError
from labctl.core.manifest import upload_dir

EDGE_USER = "airflow"
EDGE_UID = 50000
# Where compose mounts the lab's secrets in the Airflow containers.
SECRETS_ON_EDGE = "/run/lab-secrets"
EDGE_ENV = {
    TARGET_ENV: LAB_NETWORK,
    "LABCTL_ON_EDGE": "1",
    "COLUMNS": "120",
    "LABCTL_PSEUDONYM_KEY_FILE": f"{SECRETS_ON_EDGE}/pseudonym-key",
}


def edge_service() -> str:
    """The compose service that is the edge node (LAB_EDGE_SERVICE in stack/lab.env)."""
    return service("EDGE")


def __getattr__(name: str) -> str:
    # EDGE_SERVICE reads the manifest when first asked for, not when labctl starts.
    if name == "EDGE_SERVICE":
        return edge_service()
    raise AttributeError(name)


def run_labctl(args: list[str], *, environment: dict[str, str] | None = None, check: bool = False) -> tuple[int, str]:
    return eng.exec_in(edge_service(), ["python", "-m", "labctl", *args], user=EDGE_USER, environment={**EDGE_ENV, **(environment or {})}, check=check)


def copy_to_edge(path: Path) -> str:
    """Copy a host file into the upload folder of the edge node; returns its path there.
    Readable by the edge's service user only: it holds statuses (personal data)."""
    folder = upload_dir()
    eng.exec_in(edge_service(), ["install", "-d", "-m", "0700", "-o", str(EDGE_UID), folder], check=True)
    target = f"{folder}/{secrets.token_hex(4)}-{path.name}"
    eng.put_file(edge_service(), target, path.read_bytes(), mode=0o600, owner=EDGE_UID)
    return target


def secret_file_on_edge(name: str, value: str) -> str:
    """A secret as a 0600 file owned by the edge user: never an argument or variable."""
    target = f"{SECRETS_ON_EDGE}/{name}"
    eng.put_file(edge_service(), target, value.encode(), mode=0o600, owner=EDGE_UID)
    return target


def remove_on_edge(path: str) -> None:
    eng.exec_in(edge_service(), ["rm", "-f", path], check=False)


# --- Where a command runs --------------------------------------------------------------------

_ARGV: ContextVar[list[str] | None] = ContextVar("labctl_argv", default=None)


def remember_argv(argv: list[str]) -> None:
    """The command line as typed (cli.main): what a forwarded command runs on the edge node."""
    _ARGV.set(list(argv))


@dataclass(frozen=True)
class OnEdge:
    """How a command that touches the lab's HDFS gets to the edge node."""

    actor: bool = False  # `--actor <the host's login>` unless given: the audit names the person, not the edge's user
    uploads: str | None = None  # the parameter naming host files: copied to the edge node, named there
    # Environment variables naming a secret file on the edge node, each from a callable giving
    # the secret on the host (None: nothing to hand over).
    secrets: Mapping[str, Callable[[], str | None]] = field(default_factory=dict)
    # What the command needs from the host while it runs on the edge node, where Airflow's API
    # and its login are (the lab's retention setting; no DAG run during an erasure): given the
    # command's parameters, a context that yields more arguments for the edge's command line.
    on_host: Callable[[Mapping[str, object]], AbstractContextManager[list[str]]] | None = None


def on_edge(*, actor: bool = False, uploads: str | None = None,
            secrets: Mapping[str, Callable[[], str | None]] | None = None,
            on_host: Callable[[Mapping[str, object]], AbstractContextManager[list[str]]] | None = None):
    """Declare that a command reads or writes the lab's HDFS: from the host, it runs on the edge node."""
    placement = OnEdge(actor, uploads, dict(secrets or {}), on_host)

    def mark(function):
        @functools.wraps(function)
        def command(*args, **kwargs):
            code = run_on_edge(placement, kwargs)
            if code is not None:
                import typer

                raise typer.Exit(code=code)
            return function(*args, **kwargs)

        command.on_edge = placement
        return command

    return mark


def forwards(params: Mapping[str, object]) -> bool:
    """Whether a command declared @on_edge runs on the edge node: labctl targets the lab from
    the host, and neither the command nor its group was given a lake of its own. A group's
    callback leaves the decision to the command it invokes (Typer's context, when the command
    takes one, says which and what its group was given)."""
    if target_name() != LAB or params.get("lake") is not None:
        return False
    context = next((value for value in params.values() if hasattr(value, "invoked_subcommand") and hasattr(value, "parent")), None)
    if context is not None and context.invoked_subcommand is not None:
        return False
    while context is not None:
        if context.params.get("lake") is not None:
            return False
        context = context.parent
    return True


def host_login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment (some containers)
        return "unknown"


def run_on_edge(placement: OnEdge, params: Mapping[str, object]) -> int | None:
    """None when the command runs here; else its exit code on the edge node (its output shown)."""
    if not forwards(params):
        return None
    from labctl.core import ui

    argv = _ARGV.get()
    if argv is None:
        raise LabError("this command runs on the lab's edge node, and its command line is not known here",
                       hint="run it through labctl's entry point (`labctl ...` or `python -m labctl ...`), or give --lake")
    argv = without_target(argv)
    with _handed_over(placement, params, argv) as (argv, environment):
        code, output = run_labctl(argv, environment=environment)
    ui.raw(output)
    return code


def without_target(argv: list[str]) -> list[str]:
    """The command line without labctl's `--target`: on the edge node the target is the lab's
    network (EDGE_ENV), and `--target lab` there would forward the command again."""
    kept, words = [], iter(argv)
    for word in words:
        if word == "--target":
            next(words, None)
        elif not word.startswith("--target="):
            kept.append(word)
    return kept


@contextmanager
def _handed_over(placement: OnEdge, params: Mapping[str, object], argv: list[str]) -> Iterator[tuple[list[str], dict[str, str]]]:
    """argv and the environment for the edge node, with its uploads and secret files, removed after."""
    created: list[str] = []
    environment: dict[str, str] = {}
    try:
        if placement.uploads:
            for path in params.get(placement.uploads) or []:
                remote = copy_to_edge(Path(path))
                created.append(remote)
                argv = [remote if _names(word, Path(path)) else word for word in argv]
        if placement.actor and params.get("actor") is None:
            argv += ["--actor", host_login()]
        for variable, secret in placement.secrets.items():
            value = secret()
            if value:
                environment[variable] = secret_file_on_edge(f"labctl-{secrets.token_hex(4)}", value)
                created.append(environment[variable])
        with ExitStack() as host:
            if placement.on_host is not None:
                argv += host.enter_context(placement.on_host(params))
            yield argv, environment
    finally:
        for path in created:
            remove_on_edge(path)


def _names(word: str, path: Path) -> bool:
    return not word.startswith("-") and Path(word) == path


# --- What only the lab has --------------------------------------------------------------------


class LabOnly(LabError):
    """A command of the lab itself (its containers, images, secrets, edge node, replay server),
    asked of another target."""


def refuse_outside_lab(command: str) -> None:
    """A LabOnly error naming `command` and the target, unless labctl targets the lab."""
    target = target_name()
    if target not in (LAB, LAB_NETWORK):
        raise LabOnly(f"`labctl {command}` works on the lab only; the target is the cluster profile {target}",
                      hint="run it without --target (and LABCTL_TARGET unset) for the lab; docs/cluster.md "
                           "lists what a cluster profile runs")


def lab_only(command: str):
    """Declare that a command makes sense for the lab only (`command`: as the user types it)."""

    def mark(function):
        @functools.wraps(function)
        def guarded(*args, **kwargs):
            refuse_outside_lab(command)
            return function(*args, **kwargs)

        guarded.lab_only = command
        return guarded

    return mark


def lab_only_group(app, name: str) -> None:
    """Every command of a Typer group is the lab's only (`labctl NAME ...`)."""
    for info in app.registered_commands:
        info.callback = lab_only(f"{name} {info.name or info.callback.__name__.replace('_', '-')}")(info.callback)
