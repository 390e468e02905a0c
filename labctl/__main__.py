"""`python -m labctl`: the same CLI, used inside the lab's edge node (Airflow containers)."""

from labctl.cli import entrypoint

entrypoint()
