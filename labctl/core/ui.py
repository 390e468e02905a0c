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
