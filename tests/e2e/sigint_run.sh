#!/bin/sh
# Ctrl-C during `entropix run` stops generation cleanly (issue #12 item 7):
# the trace's last record is the `end` record with stop "cancelled", the
# summary line still prints and the exit code is 130.
#
# The trace is a FIFO read here: after the first token record this script
# stops reading, so the writer blocks once the pipe is full (64 KB, about 150
# records of the up to 2000 this generation writes). The signal therefore
# always arrives mid-generation, however fast or slow the machine is.
# Usage: sigint_run.sh ENTROPIX MODEL WORK_DIR
set -u
EX=$1 MODEL=$2 DIR=$3
fifo=$DIR/sigint_trace.fifo
rm -f "$fifo" && mkfifo "$fifo" || exit 2
"$EX" run -m "$MODEL" -p "Once upon a time" -n 2000 --sampler greedy -t 1 --trace "$fifo" \
  >/dev/null 2>"$DIR/sigint_stderr.txt" &
pid=$!
exec 3<"$fifo"
if ! { read -r start <&3 && read -r first <&3; }; then
  echo "no token record"
  kill "$pid"
  exit 1
fi
kill -INT "$pid"
cat <&3 >"$DIR/sigint_rest.jsonl"
wait "$pid"
rc=$?
exec 3<&-
rm -f "$fifo"
echo "exit code: $rc"
echo "last record: $(tail -n 1 "$DIR/sigint_rest.jsonl")"
cat "$DIR/sigint_stderr.txt"
