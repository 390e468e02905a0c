"""labctl: provision and drive the Mastodon Analytics Lab (Hadoop, HBase, Airflow in Docker)."""

__version__ = "0.1.0"
