"""Thin Typer command groups; each parses options and makes one call into labctl.core.

A command module is a module of this package with a `register(parent)` function that adds its
commands, or its group, to labctl's app. `register_all` finds them, so adding a command is one
new module here and nothing to edit elsewhere (labctl/cli.py lists none of them). A module's
`HELP_ORDER` places its commands in `labctl --help` (smaller first; without one, after the
rest); modules of one order go by name. Helpers without `register` (base.py, options.py) are
left alone.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import typer

LAST = 1_000_000  # the place of a module that gives no HELP_ORDER


def command_modules(package: ModuleType | None = None) -> list[ModuleType]:
    """Every command module of `package` (this one by default), in the order `labctl --help` lists them."""
    package = package or importlib.import_module(__name__)
    modules = [importlib.import_module(f"{package.__name__}.{info.name}")
               for info in pkgutil.iter_modules(package.__path__) if not info.ispkg]
    found = [module for module in modules if callable(getattr(module, "register", None))]
    return sorted(found, key=lambda module: (getattr(module, "HELP_ORDER", LAST), module.__name__))


def register_all(app: typer.Typer, package: ModuleType | None = None) -> None:
    for module in command_modules(package):
        module.register(app)
