# JupyterLab's server settings for the lab. The token is read from the lab's secret
# file here, in the server's own process: never an argument or an environment
# variable, so `docker inspect` and `ps` do not show it.
from pathlib import Path

c = get_config()  # noqa: F821 (Jupyter's config loader defines it)
c.ServerApp.ip = "0.0.0.0"  # inside the container; compose publishes it on 127.0.0.1 only
c.ServerApp.port = 8888
c.ServerApp.open_browser = False
c.ServerApp.root_dir = "/home/lab/work"
c.IdentityProvider.token = Path("/run/lab-secrets/notebook-token").read_text().strip()
