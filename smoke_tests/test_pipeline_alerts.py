"""A task failed on purpose: `labctl run` exits 1 naming it, and its alert reaches the sink."""

from __future__ import annotations

import requests

from labctl.cli import main
from labctl.core import addresses as ab


def alerts(manifest) -> list[dict]:
    return requests.get(f"{ab.lab_from_host(manifest).alert_sink}/alerts", timeout=20).json()


def test_a_failed_task_is_named_by_labctl_run_and_alerted(lab_stack, capsys):
    before = len(alerts(lab_stack))
    assert main(["deploy"]) == 0
    capsys.readouterr()
    assert main(["run", "--fail-task", "check_lab"]) == 1
    printed = " ".join(capsys.readouterr().err.split())  # Rich wraps long lines
    assert "task check_lab failed" in printed
    assert "failed on purpose" in printed  # the log tail
    new = alerts(lab_stack)[before:]
    assert [(alert["dag_id"], alert["task_id"]) for alert in new] == [("mastodon_pipeline", "check_lab")]
    assert "failed on purpose" in new[0]["error"]
