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
skip() {
  if [ "${ENTROPIX_REQUIRE_SERVER_E2E:-0}" = 1 ]; then
    echo "FAILED: $1 (ENTROPIX_REQUIRE_SERVER_E2E=1)" >&2
    exit 1
  fi
  echo "SKIPPED: $1" >&2
  exit 77
}
if [ ! -f "$venv/.openai-$openai_version" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >/dev/null 2>&1 || skip "python3 -m venv is not available (apt-get install python3-venv)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "openai==$openai_version" >/dev/null 2>&1 ||
    skip "cannot install openai==$openai_version from the package index into $venv"
  touch "$venv/.openai-$openai_version"
fi
exec "$venv/bin/python" "$(dirname "$0")/openai_client_test.py" "$binary" "$stories"
