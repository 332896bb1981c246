#!/usr/bin/env bash
# Set everything up and run the whole test suite (unit, checks, end to end, definitions).
# Extra arguments go to pytest (e.g. -k cleaning, -m "not e2e").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
# Two workers (TEST_WORKERS=0 runs in one process); a module, or a folder sharing a session
# fixture, stays on one worker (customer_platform_tests/conftest.py).
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
