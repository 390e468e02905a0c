"""Alerts: the Airflow notifier that sends them and the lab's sink that receives them."""
