#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install the project with its dev tools. Sourced by the
# other scripts; safe to run again (pip skips what is already installed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
source scripts/system-packages.sh
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
echo "installing customer_platform and its dependencies into .venv ..."
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
