#!/usr/bin/env bash
# The main job on a fresh machine: install build dependencies, build, download
# the default model (SmolLM2-135M-Instruct, once, into the cache) and ask it a
# question. Usage: scripts/demo.sh ["your prompt"]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/apps/cli/entropix pull smollm2-135m >/dev/null
build/apps/cli/entropix run -p "${1:-What is the capital of France?}" -n 128
