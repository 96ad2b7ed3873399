#!/usr/bin/env bash
# Issue 10's two Qwen2.5-Coder-1.5B GSM8K trace pools (docs/EVALUATION.md,
# "Multi-trace decoding on GSM8K, Qwen2.5-Coder-1.5B"), run one after the
# other in the background across working sessions:
#
#   tools/qwen_gsm8k_pools.sh start   restore both pools from their committed
#                                     parts, then run the dev pool (300 items)
#                                     and, once it is complete, the holdout pool
#                                     (500 items); both resume where they stopped
#   tools/qwen_gsm8k_pools.sh stop    stop the run and save each pool's new
#                                     items as a part (commit them afterwards)
#   tools/qwen_gsm8k_pools.sh status  items held by each pool
#
# The holdout pool's traces do not depend on the profile chosen on dev (same
# kinds, K and base profile for every item), so it may be built before the
# choice; its results are read only after the chosen profile is frozen.
# Log: eval-results/qwen-gsm8k-pools.log. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${ENTROPIX:-build/apps/cli/entropix}
KINDS=greedy,entropy:4,first_token:4,random:4,sample:4
DEV=eval-results/qwen-gsm8k-dev-pool
HOLDOUT=eval-results/qwen-gsm8k-holdout-pool
LOG=eval-results/qwen-gsm8k-pools.log
PATTERN="--pool $KINDS"

pool() {  # split limit folder
  "$BIN" eval -m qwen2.5-coder-1.5b --task gsm8k --split "$1" --limit "$2" --parallel 8 \
    --pool "$KINDS" --pool-profile vote-default -o "$3"
}

restore() {
  local dir
  for dir in "$DEV" "$HOLDOUT"; do
    if compgen -G "$dir/pool.part-*.jsonl.xz" >/dev/null; then python3 tools/pool_parts.py restore "$dir"; fi
  done
}

case "${1:-}" in
  start)
    if pgrep -f -- "$PATTERN" >/dev/null; then
      echo "error: a pool run is already going (pgrep -f -- '$PATTERN'); stop it first" >&2
      exit 1
    fi
    [ -x "$BIN" ] || { echo "error: $BIN not found: build first (scripts/build.sh)" >&2; exit 1; }
    restore
    # The holdout pool starts only when the dev run exits cleanly (all 300 items).
    setsid nohup bash -c "$(declare -f pool); BIN='$BIN' KINDS='$KINDS'; \
      pool dev 300 '$DEV' && pool holdout 500 '$HOLDOUT'" >>"$LOG" 2>&1 &
    echo "started (log: $LOG)"
    ;;
  stop)
    pkill -TERM -f -- "$PATTERN" || true
    for _ in $(seq 30); do pgrep -f -- "$PATTERN" >/dev/null || break; sleep 1; done
    for dir in "$DEV" "$HOLDOUT"; do
      if [ -f "$dir/pool.jsonl" ]; then python3 tools/pool_parts.py save "$dir"; fi
    done
    ;;
  status)
    for dir in "$DEV" "$HOLDOUT"; do
      if [ -d "$dir" ]; then python3 tools/pool_parts.py check "$dir"; else echo "$dir: not started"; fi
    done
    if pgrep -f -- "$PATTERN" >/dev/null; then echo "running"; else echo "not running"; fi
    ;;
  *)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
