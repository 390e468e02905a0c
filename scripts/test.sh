#!/usr/bin/env bash
# The project's test command: unit tests and end-to-end smoke tests against the lab (started
# through testcontainers when none is running). JUnit XML lands in reports/.
#
# The two suites run side by side: the unit tests need no lab and keep one core busy for about
# five minutes, while the smoke tests often wait on the lab, so running them one after the
# other cost those minutes in every CI run (docs/testing.md has the rehearsals). The unit
# tests' output goes to reports/unit.log and is shown when they end.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh || exit 1
mkdir -p reports
# No cache for the unit run: two pytest sessions at once would both write .pytest_cache.
.venv/bin/pytest tests --junitxml=reports/unit.xml -q -p no:cacheprovider > reports/unit.log 2>&1 &
unit_pid=$!
echo "test: unit tests running beside the smoke tests (output: reports/unit.log)"
.venv/bin/pytest smoke_tests --junitxml=reports/smoke.xml -q
smoke=$?
wait "$unit_pid"
unit=$?
echo "test: unit tests (reports/unit.log):"
if [ "$unit" = 0 ]; then tail -n 3 reports/unit.log; else cat reports/unit.log; fi
.venv/bin/python -m labctl.core.junit reports/unit.xml reports/smoke.xml
[ "$unit" = 0 ] && [ "$smoke" = 0 ]
