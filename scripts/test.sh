#!/usr/bin/env bash
# Set everything up and run the whole test suite (unit, checks, end to end, definitions).
# Extra arguments go to pytest (e.g. -k cleaning, -m "not e2e").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
# One process by default; TEST_WORKERS=2 spreads the suite over two (see the note in
# customer_platform_tests/conftest.py on why that is not the default yet).
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-0}" --dist loadgroup "$@"
