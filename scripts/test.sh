#!/usr/bin/env bash
# Set everything up and run the whole test suite (unit, checks, end to end, definitions).
# Extra arguments go to pytest (e.g. -k cleaning, -m "not e2e").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
