"""Options several commands share, declared once.

The lake a command reads or writes is three options, `--lake`, `--hdfs-user` and
`--lake-root`; `@lake_options(user=...)` adds them to a command and hands it one
`LakeTarget`. A subcommand of a group that has them (`labctl lake prune`) may be given
them too, after its name: what it is not given comes from the group.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Optional

import typer

from labctl.collect.timelines import Timeline
from labctl.core.errors import LabError
from labctl.lake.fs import FileSystem, open_filesystem
from labctl.lake.layout import LakeLayout

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
InstanceOption = Annotated[str, typer.Option("--instance", envvar="MASTODON_INSTANCE",
                                             help="Base URL of the instance, e.g. https://mastodon.social.")]
NoindexOption = Annotated[bool, typer.Option("--include-noindex",
                                             help="Also ingest statuses of authors who set noindex (off by default).")]
TimeoutOption = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds before a request is abandoned (and retried).")]
AttemptsOption = Annotated[int, typer.Option("--max-attempts", min=1, help="Attempts per request on network errors.")]
DEFAULT_ROOT = LakeLayout().root


def _timeline(value: str | Timeline) -> Timeline:
    if isinstance(value, Timeline):  # a default value
        return value
    try:
        return Timeline.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


TimelineOption = Annotated[Timeline, typer.Option("--timeline", parser=_timeline, metavar="public|local|tag:NAME",
                                                    help="Which timeline.", show_default="public")]


@dataclass(frozen=True)
class LakeTarget:
    """Where a command's lake is: a local directory or a NameNode's WebHDFS (None: the target's
    HDFS, from the address book), as which HDFS user, under which root."""

    location: str | None
    user: str
    root: str = DEFAULT_ROOT

    @property
    def url(self) -> str:
        from labctl.core.addresses import current

        return self.location or current().namenode

    @property
    def hdfs_user(self) -> str:
        """The user as the target's HDFS names it: a cluster profile's [hdfs_users] may rename
        the lab's users (collector, etl...); a lake given with --lake is taken as it is."""
        if self.location is not None or not on_profile():
            return self.user
        from labctl.core.addresses import current

        return current().hdfs_user(self.user)

    def open(self) -> tuple[FileSystem, LakeLayout]:
        try:
            return open_filesystem(self.url, user=self.hdfs_user), LakeLayout(self.root)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    @contextmanager
    def failures(self) -> Iterator[None]:
        """The lake's I/O failures as one LabError naming the lake."""
        from hdfs.util import HdfsError

        try:
            yield
        except (OSError, HdfsError) as exc:
            raise lake_error(self.url, exc) from None


def on_profile() -> bool:
    """Whether labctl targets a cluster profile (`--target FILE`), not the lab."""
    from labctl.core.addresses import LAB, LAB_NETWORK, target_name

    return target_name() not in (LAB, LAB_NETWORK)


def target_root() -> str:
    """The lake's root when --lake-root is not given: a cluster profile's lake.root, else the lab's."""
    if not on_profile():
        return DEFAULT_ROOT
    from labctl.core.addresses import current

    return current().lake_root


def lake_error(location: str | None, exc: BaseException) -> LabError:
    """A lake I/O failure as one clear error. WebHDFS errors carry the NameNode's Java stack
    trace: the lines before it say it all."""
    reason = " ".join(itertools.takewhile(lambda line: not line.strip().startswith("at "), str(exc).strip().splitlines())) or type(exc).__name__
    return LabError(f"cannot use the lake at {location}: {reason}",
                    hint="is the lab up (labctl status) and deployed (`labctl deploy` lays out the lake and its owners)? is --lake right?")


_LAKE_HELP = "The lake: a local directory, or a NameNode's WebHDFS (http://HOST:PORT); by default the target's HDFS."
_OPTIONS = ("lake", "hdfs_user", "lake_root")


def lake_options(*, user: str | None = None, user_envvar: str = "LABCTL_HDFS_USER",
                 user_help: str = "HDFS user for WebHDFS (simple authentication).", inherit: bool = False):
    """Give a command the lake's three options; it takes a `target: LakeTarget` parameter.
    `inherit`: a subcommand whose options, when not given, are its group's (its context's object)."""

    def decorate(function):
        signature = inspect.signature(function, eval_str=True)
        kept = [p for p in signature.parameters.values() if p.name != "target"]
        default_user = None if inherit else user
        also = " Default: what the group was given." if inherit else ""
        added = [
            inspect.Parameter("lake", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[
                Optional[str], typer.Option("--lake", envvar=None if inherit else "LABCTL_LAKE", show_default=False, help=_LAKE_HELP + also)]),
            inspect.Parameter("hdfs_user", inspect.Parameter.KEYWORD_ONLY, default=default_user, annotation=Annotated[
                Optional[str] if inherit else str, typer.Option("--hdfs-user", envvar=None if inherit else user_envvar, help=user_help + (f" Default: {user}, or what the group was given." if inherit else ""))]),
            inspect.Parameter("lake_root", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[
                Optional[str], typer.Option("--lake-root", envvar=None if inherit else "LABCTL_LAKE_ROOT", show_default=False,
                                            help=f"The lake's root path (default: {DEFAULT_ROOT}, or the cluster profile's lake.root)." + also)]),
        ]
        if inherit and "ctx" not in signature.parameters:
            added.append(inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context))
        positional = [p for p in kept if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        keyword = [p.replace(kind=p.KEYWORD_ONLY) if p.kind == p.POSITIONAL_OR_KEYWORD and p.default is not p.empty else p
                   for p in kept if p not in positional or p.default is not p.empty]
        positional = [p for p in positional if p.default is p.empty]
        parameters = positional + keyword + added

        @functools.wraps(function)
        def command(*args, **kwargs):
            given = {name: kwargs.pop(name) for name in _OPTIONS}
            if inherit:
                context = kwargs["ctx"] if "ctx" in signature.parameters else kwargs.pop("ctx")
                group = context.find_object(LakeTarget)
                # The group's user when it was given one, else this command's own default.
                source = context.parent.get_parameter_source("hdfs_user") if context.parent else None
                group_user = group.user if source is not None and source.name != "DEFAULT" else None
                target = LakeTarget(given["lake"] if given["lake"] is not None else group.location,
                                    given["hdfs_user"] or group_user or user or group.user, given["lake_root"] or group.root)
            else:
                target = LakeTarget(given["lake"], given["hdfs_user"], given["lake_root"] or target_root())
            return function(*args, target=target, **kwargs)

        command.__signature__ = signature.replace(parameters=parameters)
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        return command

    return decorate
