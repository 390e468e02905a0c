"""Governance at ingestion: the personal-field inventory, minimisation and the account-flag policy."""

from labctl.governance.inventory import FIELD_INVENTORY, FieldSpec, kept_paths, render_markdown
from labctl.governance.minimise import Minimiser, UnknownFieldError, minimise
from labctl.governance.policy import IngestionPolicy

__all__ = [
    "FIELD_INVENTORY",
    "FieldSpec",
    "IngestionPolicy",
    "Minimiser",
    "UnknownFieldError",
    "kept_paths",
    "minimise",
    "render_markdown",
]
