#!/bin/sh
# `entropix replay` end to end on a tiny stories260K arith pool: the tables,
# --choose writing a profile with the sha256 it prints, --versus, --items
# with `eval --list-items`, and the errors for bad method lists and labels.
# Usage: replay_cli.sh EX MODEL DIR
set -eu
EX=$1 MODEL=$2 DIR=$3
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$DIR" && mkdir -p "$DIR"
"$EX" eval -m "$MODEL" --task arith --split dev --limit 3 -n 8 -q --parallel 2 \
  --pool greedy,entropy:2,first_token:2,random:2,sample:2 -o "$DIR/pool" >/dev/null 2>&1 || fail "pool"
"$EX" eval --task arith --split dev --limit 2 --list-items > "$DIR/items.tsv" || fail "list-items"
[ "$(cut -f1 "$DIR/items.tsv" | tr '\n' ' ')" = "0 1 " ] || fail "list-items ids: $(cat "$DIR/items.tsv")"
grep -q "What is\|Which is" "$DIR/items.tsv" || fail "list-items questions"
M='greedy,sc@2,cot@2,pass@2,vote-default:vote.weight=uniform|margin'
"$EX" replay "$DIR/pool" --methods "$M" --versus cot@2 --choose 9 --items "$DIR/items.tsv" -o "$DIR/r" \
  > "$DIR/out.txt" 2> "$DIR/err.txt" || fail "replay: $(cat "$DIR/err.txt")"
grep -q "^2 pool items" "$DIR/out.txt" || fail "items kept: $(cat "$DIR/out.txt")"
grep -q "2 of 3 pool items kept" "$DIR/err.txt" || fail "items message: $(cat "$DIR/err.txt")"
grep -q "| method | items | vs cot@2 \[95% CI\]" "$DIR/out.txt" || fail "versus table"
grep -q "^choose: vote-default:vote.weight=" "$DIR/out.txt" || fail "choose line"
sha=$(sed -n 's/^choose: wrote .* (sha256 \([0-9a-f]*\))$/\1/p' "$DIR/out.txt")
[ "$(sha256sum "$DIR/r/chosen_profile.json" | cut -d' ' -f1)" = "$sha" ] || fail "chosen profile sha256"
grep -q '"name": "vote-default-chosen"' "$DIR/r/chosen_profile.json" || fail "chosen profile name"
grep -q '"versus"' "$DIR/r/replay.json" && grep -q '"choose"' "$DIR/r/replay.json" || fail "replay.json blocks"
"$EX" replay "$DIR/pool" --methods 'greedy,greedy' 2>&1 | grep -q "'greedy' is listed twice" || fail "duplicate"
"$EX" replay "$DIR/pool" --methods greedy --versus sc@2 2>&1 | grep -q "not one of the --methods labels" ||
  fail "versus label"
"$EX" replay "$DIR/pool" --items "$DIR/none.tsv" 2>&1 | grep -q "cannot read" || fail "items file"
echo "replay cli ok"
