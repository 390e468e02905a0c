"""`labctl replay set` changes only settings the manifest defines and the replay service reads."""

from __future__ import annotations

import pytest

from labctl.commands import replay
from labctl.core.manifest import COMPOSE_FILE, Manifest
from labctl.replay.config import ReplayConfig


def _replay_service_block() -> str:
    text = COMPOSE_FILE.read_text()
    start = text.index("\n  mastodon-replay:")
    end = text.index("\n  alert-sink:", start)
    return text[start:end]


@pytest.mark.parametrize("key", sorted(replay.SETTINGS.values()))
def test_every_setting_is_in_the_manifest_and_passed_to_the_replay_service(key):
    assert key in Manifest(environ={}).values
    assert f"{key}: ${{{key}}}" in _replay_service_block()


def test_the_manifest_defaults_inject_no_fault_and_parse():
    manifest = Manifest(environ={})
    config = ReplayConfig.from_env({key: manifest[key] for key in replay.SETTINGS.values()})
    assert not config.faults.active


def test_settings_it_does_not_know_are_refused():
    with pytest.raises(ValueError, match="REPLAY_TYPO"):
        replay.apply(Manifest(environ={}), {"REPLAY_TYPO": "1"})
