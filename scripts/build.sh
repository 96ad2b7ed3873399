#!/usr/bin/env bash
# Configures and builds entropix into build/ (Release). Extra args go to cmake.
# With ccache installed (scripts/install-deps.sh installs it) every compile
# goes through it, with paths under the checkout made relative
# (CCACHE_BASEDIR): `pip install .` (scripts/test-python.sh) compiles the
# same files with the same flags in build-python-wheel/ and takes them from
# the cache instead of compiling the engine a second time.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$PWD"
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" >/dev/null
cmake --build build
