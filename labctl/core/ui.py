"""One status idiom: data on stdout, progress and diagnostics on stderr;
a spinner on a terminal, plain lines in CI."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console

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


def info(message: str) -> None:
    err.print(f"  {message}", highlight=False)


def size(count: float) -> str:
    """Bytes as people read them: 812 B, 6.3 KiB, 780.7 MiB."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"
