#!/usr/bin/env bash
# Set everything up and run the whole test suite (unit, checks, end to end, definitions).
# Extra arguments go to pytest (e.g. -k cleaning, -m "not e2e").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
# Two workers by default (TEST_WORKERS=0: one process), each test module whole on one worker
# (a session fixture shared by modules, the 10-day pipeline run, may be built on both).
# The 30 slowest tests are listed at the end, for the time budget of CI.
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile --durations=30 "$@"
