#!/usr/bin/env bash
# The project's test command: fast unit tests, then the end-to-end smoke tests
# against the lab (started through testcontainers when none is running).
# JUnit XML lands in reports/.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh || exit 1
mkdir -p reports
.venv/bin/pytest tests --junitxml=reports/unit.xml -q
unit=$?
.venv/bin/pytest smoke_tests --junitxml=reports/smoke.xml -q
smoke=$?
.venv/bin/python -m labctl.core.junit reports/unit.xml reports/smoke.xml
[ "$unit" = 0 ] && [ "$smoke" = 0 ]
