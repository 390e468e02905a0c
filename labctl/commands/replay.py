"""`labctl replay`: how the lab's Mastodon replay server behaves — whether it requires a
bearer token, and which faults it injects (dropped connections, 429 storms, slow answers).

Settings are the REPLAY_* entries of stack/lab.env; `set` recreates the one service with
overrides, so a class can watch the collector cope with faults and then `reset` to the
manifest's values. Nothing else in the lab restarts."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from labctl.core import engine as eng
from labctl.core import lab, ui
from labctl.core.edge import lab_only_group
from labctl.core.addresses import service
from labctl.core.manifest import Manifest
from labctl.core.ui import out
from labctl.commands.base import group

SERVICE = service("MASTODON_REPLAY", Manifest(environ={}))
# The settings `set` changes, as (option name, manifest key).
SETTINGS = {
    "require_token": "REPLAY_REQUIRE_TOKEN",
    "drop_every": "REPLAY_DROP_EVERY",
    "storm_every": "REPLAY_STORM_EVERY",
    "storm_length": "REPLAY_STORM_LENGTH",
    "slow_every": "REPLAY_SLOW_EVERY",
    "delay": "REPLAY_DELAY",
    "rate_limit": "REPLAY_RATE_LIMIT",
    "rate_window": "REPLAY_RATE_WINDOW",
}

app = group(help="The lab's Mastodon replay server: required token and fault injection.", no_args_is_help=True)


# Where this module's commands stand in `labctl --help` (labctl/commands/__init__.py).
HELP_ORDER = 110


def register(parent: typer.Typer) -> None:
    parent.add_typer(
        app, name="replay",
        help="The lab's Mastodon replay server: a required token, injected faults (show, set, reset).",
    )


def current(manifest: Manifest) -> dict[str, str]:
    """The REPLAY_* settings the running replay container was started with."""
    container = eng.service_container(eng.client(), SERVICE)
    env = dict(entry.split("=", 1) for entry in container.attrs["Config"]["Env"] if "=" in entry)
    return {key: env.get(key, manifest[key]) for key in SETTINGS.values()}


def apply(manifest: Manifest, overrides: dict[str, str]) -> None:
    """Recreate the replay server with these REPLAY_* values (the manifest's for the rest)."""
    unknown = set(overrides) - set(SETTINGS.values())
    if unknown:
        raise ValueError(f"not replay settings: {sorted(unknown)}")
    lab.recreate(manifest, SERVICE, overrides)


@app.command("show")
def show(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False) -> None:
    """The replay server's current settings, next to the manifest's defaults."""
    manifest = Manifest()
    running = current(manifest)
    if as_json:
        out.print_json(data={key: {"now": value, "manifest": manifest[key]} for key, value in running.items()})
        return
    table = Table(title=SERVICE)
    for column in ("setting", "now", "manifest (stack/lab.env)"):
        table.add_column(column)
    for key, value in running.items():
        changed = value != manifest[key]
        table.add_row(key, f"[yellow]{value}[/]" if changed else value, manifest[key])
    out.print(table)


@app.command("set")
def set_(
    require_token: Annotated[Optional[bool], typer.Option("--require-token/--no-require-token", help="Refuse timeline requests without the lab's replay token (.lab/secrets/replay-token).")] = None,
    drop_every: Annotated[Optional[int], typer.Option(min=0, help="Drop the connection midway through every Nth timeline response (0: never).")] = None,
    storm_every: Annotated[Optional[int], typer.Option(min=0, help="Answer 429 to the last --storm-length of every N timeline requests (0: never).")] = None,
    storm_length: Annotated[Optional[int], typer.Option(min=1, help="Requests refused in each storm.")] = None,
    slow_every: Annotated[Optional[int], typer.Option(min=0, help="Delay every Nth timeline response by --delay seconds (0: never).")] = None,
    delay: Annotated[Optional[float], typer.Option(min=0, help="Seconds a slow response waits.")] = None,
    rate_limit: Annotated[Optional[int], typer.Option(min=1, help="Requests allowed per client and window.")] = None,
    rate_window: Annotated[Optional[int], typer.Option(min=1, help="The rate limit's window, in seconds.")] = None,
) -> None:
    """Change some settings (the others keep their current values) and restart the replay server."""
    manifest = Manifest()
    given = {"require_token": require_token, "drop_every": drop_every, "storm_every": storm_every, "storm_length": storm_length,
             "slow_every": slow_every, "delay": delay, "rate_limit": rate_limit, "rate_window": rate_window}
    overrides = current(manifest)
    for option, value in given.items():
        if value is not None:
            overrides[SETTINGS[option]] = str(value).lower() if isinstance(value, bool) else str(value)
    with ui.step(f"restarting {SERVICE} with its new settings"):
        apply(manifest, overrides)
    show()


@app.command("reset")
def reset() -> None:
    """Back to stack/lab.env's settings."""
    manifest = Manifest()
    with ui.step(f"restarting {SERVICE} with the manifest's settings"):
        apply(manifest, {})
    show()


# The lab's own replay server: refused against a cluster profile.
lab_only_group(app, "replay")
