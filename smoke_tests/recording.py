"""The shipped recording as the smoke tests read it: its files here, where each recorded
instance's timeline lands in the raw zone, and where the edge node sees the files."""

from __future__ import annotations

from pathlib import Path

from labctl.seedgen import RECORDED_INSTANCES, SHIPPED_FILES, SHIPPED_PATH

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / name for name in SHIPPED_FILES]
EDGE_RECORDINGS = f"/opt/lab/{SHIPPED_PATH}"  # seed_data/ is mounted on the edge node
__all__ = ["EDGE_RECORDINGS", "FILES", "RECORDED_INSTANCES", "recorded_file", "recorded_glob"]


def recorded_file(instance: str) -> Path:
    return ROOT / SHIPPED_PATH / f"{instance}.jsonl.gz"


def recorded_glob(instance: str, timeline: str = "public") -> str:
    """The batches of one feed in the raw zone."""
    return f"/lake/raw/mastodon/instance={instance}/timeline={timeline}/dt=*/hour=*/*.jsonl.gz"
