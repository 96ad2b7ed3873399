#!/bin/sh
# `eval` with a vote sampler: its records say policy "vote" and count the
# forward token-steps of every trace (more than greedy's on the same item
# when the profile always forks).
# Usage: vote_eval.sh ENTROPIX STORIES_GGUF PROFILE_JSON WORK_DIR
set -u
EX=$1 MODEL=$2 PROFILE=$3 DIR=$4/vote_eval
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$DIR"
"$EX" eval -m "$MODEL" --task arith --limit 2 -n 12 -q --samplers "greedy,v=vote@$PROFILE" -o "$DIR" >/dev/null 2>&1 ||
  fail "eval exited $?"
R=$DIR/results.jsonl
[ "$(grep -c '"sampler":"v"' "$R")" -eq 2 ] || fail "expected 2 vote records"
grep '"sampler":"v"' "$R" | grep -q '"policy":"vote"' || fail "vote records do not say policy vote"
# The record's own forward_tokens: the first one on the line ("vote", which
# lists every trace's, sorts after it).
fw() { grep "\"sampler\":\"$1\"" "$R" | head -1 | grep -o '"forward_tokens":[0-9]*' | head -1 | cut -d: -f2; }
grep '"sampler":"v"' "$R" | grep -q '"vote":{"chosen_trace"' || fail "vote records do not describe the vote"
g=$(fw greedy) v=$(fw v)
[ "$v" -gt "$g" ] || fail "vote forward tokens $v not above greedy's $g"
echo "greedy $g, vote $v forward tokens: PASS"
