#!/usr/bin/env bash
# From a fresh machine to the lab's results: install, start the Docker engine
# if needed, build the images, bring the lab up, deploy the pipeline, seed it
# with the recorded data, run the pipeline through Airflow, show the results.
#
# --bundle FILE (written by `labctl bundle export`): the same with no registry at
# all, on a machine with Docker and Python 3: labctl's packages come from the
# bundle's wheels (no package index), the images from the bundle (nothing built),
# after every checksum of the bundle was checked (docs/classroom.md).
set -euo pipefail
bundle=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) [ $# -ge 2 ] || { echo "quickstart: --bundle needs a FILE" >&2; exit 2; }
              bundle=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    *) echo "usage: scripts/quickstart.sh [--bundle FILE]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
labctl=.venv/bin/labctl
if [ -n "$bundle" ]; then
  # The standard library alone checks the bundle and installs from it: labctl's
  # packages do not exist yet.
  python3 -m labctl.core.offline install "$bundle" --venv .venv
  $labctl doctor --fix
  $labctl bundle import "$bundle"
  $labctl up --no-build
else
  scripts/bootstrap.sh
  $labctl doctor --fix
  $labctl up
fi
$labctl deploy
$labctl seed
$labctl run
for question in totals top-users engagement top-tags top-domains languages media instances regions media-engagement; do
  $labctl query "$question" --limit 10
done
$labctl urls
