#!/usr/bin/env bash
# From a fresh machine to the lab's results: install, start the Docker engine
# if needed, build the images, bring the lab up, seed it with the recorded
# data, run the pipeline through Airflow and show the results and the URLs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/labctl doctor --fix
.venv/bin/labctl up
