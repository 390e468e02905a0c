"""Thin Typer command groups; each parses options and makes one call into labctl.core."""
