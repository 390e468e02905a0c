#!/usr/bin/env bash
# The project's test command: unit tests and end-to-end smoke tests against the lab (started
# through testcontainers when none is running). JUnit XML lands in reports/.
#
# The two suites run side by side: the unit tests need no lab and keep one core busy for about
# five minutes, while the smoke tests often wait on the lab, so running them one after the
# other cost those minutes in every CI run (docs/testing.md has the rehearsals). The unit tests
# start when the smoke session, its lab healthy, reaches the files that leave a core idle
# (smoke_tests/conftest.py, UNIT_TESTS_BESIDE_FROM): beside the lab's start they took a core
# from it (a new lab came up in 100 s instead of 65). Their output goes to reports/unit.log and
# is shown when they end.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh || exit 1
mkdir -p reports
# The smoke session creates this file when the unit tests may start (smoke_tests/conftest.py).
ready=reports/unit-tests-may-start
rm -f "$ready"
# No cache for the unit run: two pytest sessions at once would both write .pytest_cache.
(
    while [ ! -e "$ready" ]; do sleep 1; done
    exec .venv/bin/pytest tests --junitxml=reports/unit.xml -q -p no:cacheprovider > reports/unit.log 2>&1
) &
unit_pid=$!
echo "test: unit tests start beside the smoke tests once these leave a core idle (output: reports/unit.log)"
UNIT_TESTS_START_FILE="$ready" .venv/bin/pytest smoke_tests --junitxml=reports/smoke.xml -q
smoke=$?
touch "$ready"  # a smoke session that ended before it signalled
wait "$unit_pid"
unit=$?
echo "test: unit tests (reports/unit.log):"
if [ "$unit" = 0 ]; then tail -n 3 reports/unit.log; else cat reports/unit.log; fi
.venv/bin/python -m labctl.core.junit reports/unit.xml reports/smoke.xml
[ "$unit" = 0 ] && [ "$smoke" = 0 ]
