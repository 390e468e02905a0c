"""An Airflow notifier that sends a task failure to a webhook (the lab's alert sink,
or any endpoint that takes a JSON POST: a chat incoming webhook, an incident tool)."""

from __future__ import annotations

import os

from airflow.sdk import BaseNotifier



class LabWebhookNotifier(BaseNotifier):
    template_fields = ("message",)

    def __init__(self, message: str = "{{ ti.task_id }} failed in {{ dag.dag_id }} {{ run_id }}", url: str | None = None):
        super().__init__()
        self.message = message
        self.url = url

    def notify(self, context) -> None:
        import requests

        ti = context.get("ti") or context.get("task_instance")
        exception = context.get("exception")
        alert = {
            "message": self.message,
            "dag_id": context["dag"].dag_id,
            "run_id": context.get("run_id"),
            "task_id": getattr(ti, "task_id", None),
            # A mapped task (one collect per feed) says which feed: its rendered name, else its index.
            "map_index": getattr(ti, "rendered_map_index", None) or _index(getattr(ti, "map_index", -1)),
            "try_number": getattr(ti, "try_number", None),
            "error": repr(exception)[:2000] if exception else None,
        }
        from labctl.core.addresses import current

        url = self.url or os.environ.get("ALERT_WEBHOOK_URL") or default_url()
        response = requests.post(url, json=alert, timeout=current().timeouts.rest)
        response.raise_for_status()


def default_url() -> str:
    """The alert sink of the address book (the lab's, as its containers reach it)."""
    from labctl.core.addresses import current

    sink = current().alert_sink
    if sink is None:
        raise ValueError("no alert sink on this target: set ALERT_WEBHOOK_URL on the Airflow workers")
    return f"{sink}/alerts"


def _index(value) -> str | None:
    return str(value) if isinstance(value, int) and value >= 0 else None
