#!/usr/bin/env bash
# Set everything up and run the whole test suite (unit, checks, end to end, definitions).
# Extra arguments go to pytest (e.g. -k cleaning, -m "not e2e").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
# Two workers by default (TEST_WORKERS=0: one process): each module runs whole on one worker,
# the modules sharing the 10-day pipeline run together (customer_platform_tests/conftest.py).
# The 30 slowest tests are listed at the end, for the time budget of CI.
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadgroup --durations=30 "$@"
