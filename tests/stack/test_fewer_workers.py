"""Going down to fewer workers: every HDFS block gets a replica on each DataNode, the lab
restarts, then replication follows the new worker count."""

from __future__ import annotations

import pytest

from labctl.core import lab
from labctl.core.errors import CommandError, LabError
from labctl.core.manifest import Manifest

HEALTHY_STATE = {"NumLiveDataNodes": 2, "UnderReplicatedBlocks": 0}
HEALTHY_SYSTEM = {"PendingReplicationBlocks": 0, "MissingBlocks": 0}


def test_nothing_left_once_every_datanode_is_live_and_no_block_waits():
    assert lab.copies_left(HEALTHY_STATE, HEALTHY_SYSTEM, 2) is None


@pytest.mark.parametrize(
    ("state", "system", "named"),
    [
        ({"NumLiveDataNodes": 1}, {}, "1/2 DataNodes live"),
        ({"UnderReplicatedBlocks": 7}, {}, "7 under-replicated blocks"),
        ({}, {"PendingReplicationBlocks": 3}, "3 blocks being copied"),
        ({}, {"MissingBlocks": 1}, "1 missing blocks"),
    ],
)
def test_each_reason_to_wait_is_named(state, system, named):
    assert named in lab.copies_left({**HEALTHY_STATE, **state}, {**HEALTHY_SYSTEM, **system}, 2)


@pytest.fixture
def steps(monkeypatch):
    """up()'s outside world, recorded in order."""
    done: list[tuple] = []
    monkeypatch.setattr(lab.eng, "client", lambda **_: object())
    monkeypatch.setattr(lab, "ensure_secrets", lambda manifest: None)
    monkeypatch.setattr(lab.images, "missing_images", lambda engine, manifest, optional=(): [])
    monkeypatch.setattr(lab, "running_optional", lambda: set())
    monkeypatch.setattr(lab, "replicate_everywhere", lambda manifest, datanodes, timeout: done.append(("replicate", datanodes)))
    monkeypatch.setattr(lab, "down", lambda manifest, volumes: done.append(("down", volumes)))
    monkeypatch.setattr(lab, "_compose_up", lambda manifest, workers, timeout, optional=(): done.append(("compose up", workers)))
    monkeypatch.setattr(lab, "wait_healthy", lambda manifest, workers, timeout: done.append(("healthy", workers)) or [])
    monkeypatch.setattr(lab, "set_replication", lambda replication: done.append(("setrep", replication)))
    return done


def test_fewer_workers_copy_every_block_then_restart_then_lower_replication(monkeypatch, steps):
    monkeypatch.setattr(lab, "running_datanodes", lambda: 4)
    lab.up(Manifest(environ={}), workers=1, timeout=60)
    assert steps == [("replicate", 4), ("down", False), ("compose up", 1), ("healthy", 1), ("setrep", 1)]


def test_replication_stops_at_three_when_four_workers_become_three(monkeypatch, steps):
    monkeypatch.setattr(lab, "running_datanodes", lambda: 4)
    lab.up(Manifest(environ={}), workers=3, timeout=60)
    assert steps[-1] == ("setrep", 3) and steps[0] == ("replicate", 4)


@pytest.mark.parametrize("before", [0, 1, 2])
def test_a_stopped_lab_or_as_many_or_more_workers_start_as_before(monkeypatch, steps, before):
    monkeypatch.setattr(lab, "running_datanodes", lambda: before)
    lab.up(Manifest(environ={}), workers=2, timeout=60)
    assert steps == [("compose up", 2), ("healthy", 2)]


def test_a_refused_setrep_leaves_the_lab_as_it_was_and_says_how_to_skip(monkeypatch):
    def refused(replication):
        raise CommandError(["hdfs"], 1, "setrep: Cannot set replication. Name node is in safe mode.")

    monkeypatch.setattr(lab, "set_replication", refused)
    with pytest.raises(LabError) as raised:
        lab.replicate_everywhere(Manifest(environ={}), 2, timeout=1)
    assert "safe mode" in raised.value.details and "labctl down" in raised.value.hint


def test_waiting_too_long_names_what_is_left(monkeypatch):
    monkeypatch.setattr(lab, "set_replication", lambda replication: None)
    answers = {lab.NAMENODE_STATE: {**HEALTHY_STATE, "UnderReplicatedBlocks": 5}, lab.NAMENODE_SYSTEM: HEALTHY_SYSTEM}
    monkeypatch.setattr(lab, "jmx_bean", lambda manifest, port, query: answers[query])
    with pytest.raises(LabError, match="5 under-replicated blocks after 0 s"):
        lab.replicate_everywhere(Manifest(environ={}), 2, timeout=0, poll=0)
