#!/usr/bin/env bash
# The Python package's tests: `pip install .` from this checkout into a fresh
# virtual environment under build/ (numpy and pytest from Debian through
# --system-site-packages; scikit-build-core from the package index, as pip
# does for any build), then pytest. The wheel's build folder
# (build/python-wheel) is kept, so a rerun rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
venv=build/python-venv
rm -rf "$venv"
"$PY" -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install -q . 2>&1 | grep -v "^\[notice\]" || true
"$venv/bin/python" -c "import entropix" || { echo "error: the entropix package did not install" >&2; exit 1; }
"$venv/bin/python" -m pytest -q python/tests
