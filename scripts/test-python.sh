#!/usr/bin/env bash
# The Python package's tests: `pip install .` from this checkout into a fresh
# virtual environment under build/ (numpy and pytest from Debian through
# --system-site-packages; scikit-build-core from the package index, as pip
# does for any build), then pytest. The wheel's build folder
# (build-python-wheel, at the depth of build/ so that ccache sees the same
# relative paths) is kept, so a rerun rebuilds only what changed; with ccache
# installed, the files scripts/build.sh already compiled come from its cache.
set -euo pipefail
cd "$(dirname "$0")/.."
settings=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$PWD"
  settings=(--config-settings=cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # The same compiler as build/ (pip would take Python's, e.g. x86_64-linux-gnu-g++,
  # the same binary under another name, which ccache counts as another compiler).
  cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' build/CMakeCache.txt 2>/dev/null || true)
  if [ -n "$cxx" ]; then settings+=("--config-settings=cmake.define.CMAKE_CXX_COMPILER=$cxx"); fi
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
venv=build/python-venv
rm -rf "$venv"
"$PY" -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install -q "${settings[@]}" . 2>&1 | grep -v "^\[notice\]" || true
"$venv/bin/python" -c "import entropix" || { echo "error: the entropix package did not install" >&2; exit 1; }
"$venv/bin/python" -m pytest -q python/tests
