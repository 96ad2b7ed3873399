#!/usr/bin/env bash
# Runs web_page_browser_test.js in headless Chromium: Debian's chromium,
# driven by playwright-core from npm (installed once into WORK_DIR; no
# browser download). Screenshots are left in WORK_DIR.
#   run_browser_test.sh ENTROPIX MODEL_GGUF WORK_DIR
# Without node, npm, chromium or the package index it skips (exit 77) with a
# message saying so, unless ENTROPIX_REQUIRE_SERVER_E2E=1 (scripts/test.sh
# sets it: CI must run this test; scripts/install-deps.sh installs them).
set -uo pipefail
binary=$1 model=$2 work=$3
playwright_version=1.65.1
source "$(dirname "$0")/../require.sh" || exit 1  # skip, venv_with
command -v node >/dev/null || skip "node is not installed (apt-get install nodejs)"
[ -x /usr/bin/chromium ] || skip "chromium is not installed (apt-get install chromium)"
mkdir -p "$work"
if [ ! -f "$work/.playwright-core-$playwright_version" ]; then
  command -v npm >/dev/null || skip "npm is not installed (apt-get install npm)"
  (cd "$work" && npm install --no-audit --no-fund --silent "playwright-core@$playwright_version" >/dev/null 2>&1) ||
    skip "cannot install playwright-core@$playwright_version from npm into $work"
  touch "$work/.playwright-core-$playwright_version"
fi
NODE_PATH="$work/node_modules" exec timeout 120 node "$(dirname "$0")/web_page_browser_test.js" "$binary" "$model" "$work"
