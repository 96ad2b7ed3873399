#!/bin/sh
# `entropix chat` driven through tmux as a person would (issue #14): two
# turns, /stats (the second turn reused the cache), /regen, Ctrl-C during a
# long answer (the answer stops, the chat goes on), /bye (exit code 0).
# Prints PASS or FAIL: <what>. Usage: chat_tmux.sh ENTROPIX MODEL WORK_DIR
set -u
EX=$1 MODEL=$2 DIR=$3
command -v tmux >/dev/null || { echo "PASS (skipped: tmux is not installed)"; exit 0; }
sock="entropix-chat-test-$$"
T="tmux -L $sock"
trap '$T kill-server 2>/dev/null' EXIT
# A session that lives for the whole test: killing the chat session must not
# take the tmux server down while the next chat starts ("server exited
# unexpectedly").
$T new-session -d -s keep "sleep 600" || { echo "FAIL: tmux did not start"; exit 1; }
# Starts a chat with flags $1 in a fresh tmux session named chat.
start_chat() {
  $T kill-session -t chat 2>/dev/null
  rm -f "$DIR/chat_exit.txt"
  $T new-session -d -s chat -x 160 -y 50 \
    "$EX chat -m $MODEL $1 --color never; echo \"exit=\$?\" > $DIR/chat_exit.txt; sleep 30" || exit 1
}
pane() { $T capture-pane -p -J -S -2000 -t chat; }
fail() { echo "FAIL: $1"; echo "--- pane ---"; pane; exit 1; }
# Waits (up to 60 s) until the pane shows pattern $1 at least $2 times.
wait_for() {
  i=0
  while [ "$(pane | grep -c -- "$1")" -lt "$2" ]; do
    i=$((i + 1)); [ $i -gt 600 ] && fail "timed out waiting for '$1' x$2"
    sleep 0.1
  done
}
send() { $T send-keys -t chat -l "$1"; $T send-keys -t chat Enter; }
bye() {
  send "/bye"
  i=0
  while [ ! -s "$DIR/chat_exit.txt" ]; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "/bye did not end the chat"
    sleep 0.1
  done
  grep -q 'exit=0' "$DIR/chat_exit.txt" || fail "exit code: $(cat "$DIR/chat_exit.txt")"
}

start_chat "-n 12"
wait_for '^>>> ' 1
send "Once upon a time"
wait_for '^>>> ' 2
send "The dog"
wait_for '^>>> ' 3
send "/stats"
wait_for 'reused from the cache' 1
pane | grep -q 'prompt: [0-9]* fed, [1-9][0-9]* reused from the cache' || fail "the second turn reused nothing"
send "/regen"
wait_for '^>>> ' 5
send "/sampler greedy"
wait_for 'decoder: greedy' 1
bye
# A long answer (-t 1, no token limit: to the end of the story or of the
# context, ~2000 tokens), stopped with Ctrl-C once it has started.
start_chat "-n -1 -t 1"
wait_for '^>>> ' 1
send "Once upon a time there was a dragon"
wait_for '^>>> Once upon a time there was a dragon' 1
sleep 0.2
$T send-keys -t chat C-c
wait_for 'answer stopped' 1
wait_for '^>>> ' 2
send "/stats"
wait_for 'stop: cancelled' 1
send "/sampler greedy"
wait_for 'decoder: greedy' 1
bye
echo PASS
