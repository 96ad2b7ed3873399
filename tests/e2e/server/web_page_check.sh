#!/usr/bin/env bash
# The web page's script parses (node --check); skipped (77) without node.
#   web_page_check.sh src/server/web/index.html
set -euo pipefail
command -v node >/dev/null || { echo "SKIPPED: node is not installed"; exit 77; }
js=$(mktemp --suffix=.js)
trap 'rm -f "$js"' EXIT
sed -n '/<script>/,/<\/script>/p' "$1" | sed '1d;$d' > "$js"
test -s "$js"
node --check "$js"
echo "web page script: ok"
