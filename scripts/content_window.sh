#!/usr/bin/env bash
# Build a fixed window of the generator's company into DIR and print the content hashes of
# every table and export: run it before and after a refactor and diff the two outputs.
#   scripts/content_window.sh DIR [START END CUSTOMERS]   (default 2026-01-25 .. 2026-02-03, 200)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(mkdir -p "$1" && cd "$1" && pwd)"
start="${2:-2026-01-25}"; end="${3:-2026-02-03}"; customers="${4:-200}"
python="${PYTHON:-$here/.venv/bin/python}"
export CUSTOMER_PLATFORM_DATA="$dir" CUSTOMER_PLATFORM_LANDING_ROOT="$dir/landing"
export CUSTOMER_PLATFORM_PARTITION_START="$start" DAGSTER_HOME="$dir/dagster_home"
mkdir -p "$DAGSTER_HOME"
cd "$here"
"$python" -m customer_platform.tools.cli generate --start "$start" --end "$end" \
    --customers "$customers" --seed 7 >&2
"$python" -m customer_platform.tools.cli materialize --start "$start" --end "$end" >&2
"$python" scripts/content_hashes.py "$dir/warehouse.duckdb" "$dir/exports"
