#!/usr/bin/env bash
# Runs openai_client_test.py with the official `openai` client, installed
# (once) into a virtual environment under the build folder.
#   run_openai_test.sh ENTROPIX_BINARY STORIES_GGUF VENV_DIR
# Without python3 -m venv or pip access it skips (exit 77, ctest's SKIP)
# with a message saying so, unless ENTROPIX_REQUIRE_SERVER_E2E=1
# (scripts/test.sh sets it: CI must run these tests).
set -uo pipefail
binary=$1 stories=$2 venv=$3
openai_version=3.51.0
source "$(dirname "$0")/../require.sh" || exit 1  # skip, venv_with
venv_with "$venv" "openai==$openai_version"
exec "$venv/bin/python" "$(dirname "$0")/openai_client_test.py" "$binary" "$stories"
