#!/usr/bin/env bash
# The project's test command: fast unit tests, then the end-to-end smoke tests
# against the lab (started through testcontainers when none is running, during the unit tests).
# JUnit XML lands in reports/.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh || exit 1
mkdir -p reports
# The smoke tests' lab starts while the unit tests run (they need none): about a minute and
# a half of CI saved. With a lab already there, nothing is started (smoke_tests/session_lab.py).
.venv/bin/python smoke_tests/session_lab.py start > reports/session-lab.log 2>&1 &
starting=$!
.venv/bin/pytest tests --junitxml=reports/unit.xml -q
unit=$?
wait "$starting" || { echo "test: starting the smoke tests' lab failed (reports/session-lab.log):" >&2; tail -20 reports/session-lab.log >&2; }
.venv/bin/pytest smoke_tests --junitxml=reports/smoke.xml -q
smoke=$?
.venv/bin/python -m labctl.core.junit reports/unit.xml reports/smoke.xml
[ "$unit" = 0 ] && [ "$smoke" = 0 ]
