"""The pipeline's steps as plain functions, run on the lab's edge node by the
Airflow DAG (dags/mastodon_pipeline.py) — and callable by hand for teaching."""
