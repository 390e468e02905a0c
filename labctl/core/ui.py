"""One status idiom, one error report: data on stdout, progress and diagnostics on stderr;
a spinner or a live table on a terminal, plain lines in CI. Every console labctl prints
with is here, and so is every progress display."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.markup import escape

if TYPE_CHECKING:
    from labctl.core.errors import LabError

out = Console()
err = Console(stderr=True)


@contextmanager
def step(title: str):
    """Start a step, end it with ✓ or ✗."""
    if err.is_terminal:
        with err.status(title):
            try:
                yield
            except BaseException:
                err.print(f"[red]✗[/] {title}")
                raise
    else:
        err.print(f"• {title} ...")
        try:
            yield
        except BaseException:
            err.print(f"[red]✗[/] {title}")
            raise
    err.print(f"[green]✓[/] {title}")


@contextmanager
def working(title: str) -> Iterator[None]:
    """A spinner while something runs, on a terminal only: for a command whose result is its
    output (a --json document must stay the only thing a script reads)."""
    if err.is_terminal:
        with err.status(title):
            yield
    else:
        yield


def info(message: str) -> None:
    err.print(f"  {message}", highlight=False)


def size(count: float) -> str:
    """Bytes as people read them: 812 B, 6.3 KiB, 780.7 MiB."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False)


@contextmanager
def live(renderable: RenderableType) -> Iterator[Callable[[RenderableType], None]]:
    """A table redrawn in place on a terminal: yields its `update`. Elsewhere (CI logs) it draws
    nothing, and the caller prints one `info` line per change instead."""
    if err.is_terminal:
        from rich.live import Live

        with Live(renderable, console=err, refresh_per_second=4) as display:
            yield display.update
    else:
        yield lambda _renderable: None


def data(text: str, end: str = "\n") -> None:
    """What a script reads (a --json document, a path, a rendered page) on stdout, byte for
    byte: Rich would read `:smile:` as an emoji code and expand tabs, so it is written past it
    (to the file Rich writes to, so the two never interleave out of order)."""
    out.file.write(text + end)
    out.file.flush()


def raw(text: str) -> None:
    """Another program's output (a command run on the edge node), as it is."""
    data(text, end="")


def error(exc: LabError) -> None:
    """The one way a known failure is shown: what failed, what was seen, what to do."""
    err.print(f"[red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)  # paths stay whole
    if exc.details:
        err.print(exc.details, markup=False, highlight=False)
    if exc.hint:
        err.print(f"[yellow]hint:[/] {escape(exc.hint)}", highlight=False)
