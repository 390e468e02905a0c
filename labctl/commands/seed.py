"""`labctl seed`: fill the raw zone by hand, from one source: the recorded data set through the
lab's replay server (the default), files (`--file`), or a live instance (`--source live`). It
runs `collect` or `ingest`, which run where the target's HDFS is writable (labctl/core/edge.py)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from labctl.commands.base import run_command
from labctl.core import addresses as ab
from labctl.core.errors import LabError


class Source(str, Enum):
    """Where statuses come from, for `labctl seed` and `labctl run` alike."""

    recorded = "recorded"
    file = "file"
    live = "live"


def chosen_source(source: Source | None, files: list[Path] | None, live: bool = False) -> Source | None:
    """--source, with what --file and the older --live say; a contradiction is an error."""
    implied = [s for s, given in ((Source.file, bool(files)), (Source.live, live)) if given]
    if len(implied) > 1 or (source is not None and implied and implied[0] != source):
        said = [f"--source {source.value}"] if source is not None else []
        said += ["--file" if s is Source.file else "--live" for s in implied]
        raise LabError(f"{' and '.join(said)} name different sources: choose one")
    return source or (implied[0] if implied else None)


def existing(paths: list[Path]) -> list[Path]:
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise LabError(f"no such file: {', '.join(missing)}")
    return paths


def _replay_for_collect() -> str:
    """The replay server as `collect` will reach it: from inside the lab when it runs on the edge."""
    book = ab.current(target=ab.LAB_NETWORK) if ab.target_name() == ab.LAB else ab.current()
    if book.replay is None:
        raise LabError(f"the target {book.target} has no replay server", hint="seed --file, or --source live --instance URL")
    return book.replay


def seed(
    ctx: typer.Context,
    source: Annotated[Optional[Source], typer.Option("--source", show_default="recorded", help="recorded: the data set the replay server serves; file: --file; live: --instance URL with your token (MASTODON_ACCESS_TOKEN or MASTODON_ACCESS_TOKEN_FILE).")] = None,
    files: Annotated[Optional[list[Path]], typer.Option("--file", help="Statuses files to ingest (JSON lines or JSON arrays, .gz too); repeat for several. Implies --source file.")] = None,
    live: Annotated[bool, typer.Option("--live", hidden=True, help="The older spelling of --source live.")] = False,
    instance: Annotated[Optional[str], typer.Option("--instance", help="live: the instance's base URL; recorded: one recorded instance's domain (default: all).")] = None,
    timeline: Annotated[str, typer.Option("--timeline", metavar="public|local|tag:NAME", help="Which timeline.")] = "public",
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="At most this many statuses.")] = None,
    include_noindex: Annotated[bool, typer.Option("--include-noindex", help="Also ingest authors who set noindex (off by default).")] = False,
    as_instance: Annotated[Optional[str], typer.Option("--as-instance", help="With --file: the instance partition the files land in (default: files).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Seed the lake's raw zone: by default the recorded data set, replayed offline through
    the lab's Mastodon replay server and collected with Mastodon.py, exactly as a live instance."""
    source = chosen_source(source, files, live) or Source.recorded
    common = (["--include-noindex"] if include_noindex else []) + (["--json"] if as_json else [])
    if as_instance and source is not Source.file:
        raise LabError("--as-instance names the partition of --file data", hint="a collection's partition is the instance it was told to collect from")
    if source is Source.file:
        if not files:
            raise LabError("--source file needs --file PATH")
        runs = [["ingest", *(str(path) for path in existing(files)), *common, *(["--as-instance", as_instance] if as_instance else [])]]
    elif source is Source.live:
        if not instance:
            raise LabError("--source live needs --instance URL", hint="e.g. --instance https://mastodon.social --timeline public")
        from labctl.collect.token import load_token

        if not load_token():
            raise LabError("no Mastodon token", hint="export MASTODON_ACCESS_TOKEN or point MASTODON_ACCESS_TOKEN_FILE at a 0600 file")
        runs = [_collect_args(instance, timeline, limit) + common]
    else:
        # The recorded data set: every instance the replay server serves (or the one --instance names).
        from labctl.commands.feeds import recorded_instances
        from labctl.core.manifest import Manifest

        domains = [instance] if instance else recorded_instances(Manifest())
        replay = _replay_for_collect()
        runs = [_collect_args(f"{replay}/{domain}", timeline, limit) + common for domain in domains]
    code = 0
    for argv in runs:
        code = run_command(ctx, argv) or code
    if code != 0:
        raise typer.Exit(code=code)


def _collect_args(instance: str, timeline: str, limit: int | None) -> list[str]:
    return ["collect", "--instance", instance, "--timeline", timeline] + (["--limit", str(limit)] if limit else [])


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 30


def register(app: typer.Typer) -> None:
    app.command()(seed)
