#!/bin/sh
# `run --sampler vote`: the forks and the vote are shown, the trace file
# records them, and the output is the same at 1 and 2 threads.
# Usage: vote_run.sh ENTROPIX MODEL PROMPT PROFILE WORK_DIR STOP
#   MODEL "-": the default model; PROFILE "-": the built-in vote profile;
#   STOP: what the chosen-trace line must say after "stop: ".
set -u
EX=$1 MODEL=$2 PROMPT=$3 PROFILE=$4 DIR=$5 STOP=$6
mkdir -p "$DIR" || exit 1
run() {  # $1: threads, $2: trace file
  [ "$MODEL" = "-" ] || set -- "$@" -m "$MODEL"
  [ "$PROFILE" = "-" ] || set -- "$@" --vote-profile "$PROFILE"
  threads=$1 file=$2
  shift 2
  "$EX" run "$@" -p "$PROMPT" -n 24 -s 5 --sampler vote -t "$threads" --no-timings --trace "$file" 2>&1
}
fail() { echo "FAIL: $*"; exit 1; }
one=$(run 1 "$DIR/vote_trace_1.jsonl") || fail "run at 1 thread exited $?: $one"
echo "$one"
echo "$one" | grep -q '^\[trace 0 | greedy |' || fail "no line for the greedy trace"
echo "$one" | grep -q '^\[trace 1 | fork of trace 0 at token [0-9]* (entropy): ' || fail "no fork line"
echo "$one" | grep -q '^\[vote\] answer' || fail "no vote table"
echo "$one" | grep -q "^\[vote: chosen trace [0-9]* | answer .* | stop: $STOP" || fail "no chosen answer ($STOP)"
grep -q '"event":"trace_started".*"fork_position"' "$DIR/vote_trace_1.jsonl" || fail "trace file: no fork records"
grep -q '"event":"vote"' "$DIR/vote_trace_1.jsonl" || fail "trace file: no vote record"
grep -q '"event":"trace_token".*"trace":1}' "$DIR/vote_trace_1.jsonl" || fail "trace file: no fork tokens"
two=$(run 2 "$DIR/vote_trace_2.jsonl") || fail "run at 2 threads exited $?"
[ "$one" = "$two" ] || fail "1 and 2 threads differ: $two"
echo "PASS"
