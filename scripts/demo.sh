#!/usr/bin/env bash
# Set everything up, generate sample extracts and materialise the whole graph for a few days.
# Extra arguments go to `customer-platform demo` (e.g. --customers 5000 --end 2026-01-07).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
exec .venv/bin/customer-platform demo "$@"
