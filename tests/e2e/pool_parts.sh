#!/bin/sh
# tools/pool_parts.py end to end on a tiny stories260K arith pool: save
# writes the new items to the next compressed part, restore rebuilds a lost
# pool.jsonl byte for byte (order aside), `eval --pool` resumes from the
# restored file, and damaged or duplicated parts are refused.
# Usage: pool_parts.sh EX MODEL DIR TOOL
set -eu
EX=$1 MODEL=$2 DIR=$3 TOOL=$4
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$DIR" && mkdir -p "$DIR"
P=$DIR/pool
pool() { "$EX" eval -m "$MODEL" --task arith --split dev --limit "$1" -n 8 -q --parallel 2 \
  --pool greedy,entropy:1,sample:1 -o "$P" 2>&1; }
pool 3 >/dev/null || fail "pool of 3"
python3 "$TOOL" save "$P" | grep -q "pool.part-000.jsonl.xz: 3 items" || fail "first save"
python3 "$TOOL" save "$P" | grep -q "nothing new to save (3 items in parts)" || fail "second save"
sort "$P/pool.jsonl" > "$DIR/before.txt"
rm "$P/pool.jsonl"
python3 "$TOOL" restore "$P" | grep -q "3 items from parts, 0 kept" || fail "restore"
sort "$P/pool.jsonl" | cmp -s - "$DIR/before.txt" || fail "restored lines differ"
pool 4 | grep -q "1 items built, 3 resumed" || fail "resume from the restored pool"
python3 "$TOOL" save "$P" | grep -q "pool.part-001.jsonl.xz: 1 items" || fail "save of the new item"
python3 "$TOOL" check "$P" | grep -q "2 parts, 4 items; pool.jsonl 4 items, 0 not in any part" || fail "check"
cp "$P/pool.part-001.jsonl.xz" "$P/pool.part-002.jsonl.xz"  # the same item saved twice
python3 "$TOOL" check "$P" | grep -q "3 parts, 4 items" || fail "identical duplicate"
python3 - "$P" <<'PY'  # the same item with other contents
import lzma, sys
p = sys.argv[1] + "/pool.part-002.jsonl.xz"
line = lzma.open(p).read().replace(b'"prompt_tokens":', b'"prompt_tokens":1', 1)
with lzma.open(p, "wb") as f:
    f.write(line)
PY
python3 "$TOOL" check "$P" 2>&1 | grep -q "already in an earlier part, with other contents" || fail "conflicting part"
printf 'not xz' > "$P/pool.part-002.jsonl.xz"
python3 "$TOOL" restore "$P" 2>&1 | grep -q "restore it from git" || fail "damaged part"
python3 "$TOOL" save "$DIR" 2>&1 | grep -q "pool.json not found" || fail "not a pool folder"
# Only a newline ends a line: U+2028 inside a JSON string (written raw, as the
# engine writes non-ASCII text) stays in its line through save and restore.
U=$DIR/unicode && mkdir -p "$U" && cp "$P/pool.json" "$U/"
printf '{"item":"a","text":"x\342\200\250y"}\n{"item":"b"}\n{"item":"c"' > "$U/pool.jsonl"
python3 "$TOOL" save "$U" | grep -q "2 items" || fail "save with U+2028"
head -c 34 "$U/pool.jsonl" > "$DIR/u_first.txt"
rm "$U/pool.jsonl" && python3 "$TOOL" restore "$U" | grep -q "2 items from parts" || fail "restore with U+2028"
head -c 34 "$U/pool.jsonl" | cmp -s - "$DIR/u_first.txt" || fail "U+2028 line changed"
echo "pool parts ok"
