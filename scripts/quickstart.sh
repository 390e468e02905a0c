#!/usr/bin/env bash
# From a fresh machine to the lab's results: install, start the Docker engine
# if needed, build the images, bring the lab up, deploy the pipeline, seed it
# with the recorded data, run the pipeline through Airflow, show the results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
labctl=.venv/bin/labctl
$labctl doctor --fix
$labctl up
$labctl deploy
$labctl seed
$labctl run
for question in totals top-users engagement top-tags top-domains languages media; do
  $labctl query "$question" --limit 10
done
$labctl urls
