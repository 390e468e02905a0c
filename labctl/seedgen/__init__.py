"""Deterministic generator of synthetic Mastodon timelines (the recording in seed_data/).

Same `GeneratorConfig`, same bytes: the shipped recording is regenerated and
compared in tests, so it never drifts from this code.
"""

from labctl.seedgen.config import (
    DEFAULT_DAYS,
    DEFAULT_END,
    PROFILES,
    RECORDED_INSTANCES,
    SHIPPED_COMMAND,
    SHIPPED_FILES,
    SHIPPED_PATH,
    SHIPPED_RECORDING,
    EdgeRates,
    GeneratorConfig,
    LineNoise,
    parse_languages,
)
from labctl.seedgen.timeline import Entry, Timeline
from labctl.seedgen.truth import Truth
from labctl.seedgen.writer import FORMATS, Summary, recording_lines, resolve_format, write_recording

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_END",
    "FORMATS",
    "PROFILES",
    "RECORDED_INSTANCES",
    "SHIPPED_COMMAND",
    "SHIPPED_FILES",
    "SHIPPED_PATH",
    "SHIPPED_RECORDING",
    "EdgeRates",
    "Entry",
    "GeneratorConfig",
    "LineNoise",
    "Summary",
    "Timeline",
    "Truth",
    "parse_languages",
    "recording_lines",
    "resolve_format",
    "write_recording",
]
