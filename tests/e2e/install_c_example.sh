#!/bin/sh
# `cmake --install` into a temporary prefix installs the CLI, the C header,
# the library, entropix.pc and the bash completion; the C example compiles
# against them with pkg-config alone and runs (issue #14 items 7, 8).
# Prints PASS or FAIL: <what>.
# Usage: install_c_example.sh BUILD_DIR SOURCE_DIR MODEL WORK_DIR
set -u
BUILD=$1 SRC=$2 MODEL=$3 DIR=$4
prefix=$DIR/prefix
rm -rf "$prefix" && mkdir -p "$prefix" || exit 1
cmake --install "$BUILD" --prefix "$prefix" >"$DIR/install.log" 2>&1 || { echo "FAIL: cmake --install"; cat "$DIR/install.log"; exit 1; }
for f in bin/entropix include/entropix.h share/bash-completion/completions/entropix; do
  [ -f "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
pc=$(find "$prefix" -name entropix.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: entropix.pc not installed"; exit 1; }
command -v pkg-config >/dev/null || { echo "FAIL: pkg-config is not installed (scripts/install-deps.sh)"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs entropix) || { echo "FAIL: pkg-config"; exit 1; }
cc -std=c11 -Wall -Wextra -Werror "$SRC/examples/c/generate.c" $flags -o "$DIR/generate" 2>"$DIR/cc.log" ||
  { echo "FAIL: the C example does not compile"; cat "$DIR/cc.log"; exit 1; }
"$DIR/generate" "$MODEL" "Once upon a time" 8 >"$DIR/generate.out" 2>&1 || { echo "FAIL: the example failed"; cat "$DIR/generate.out"; exit 1; }
cat "$DIR/generate.out"
"$prefix/bin/entropix" --version | head -n 1
# The installed completion loads and completes a subcommand.
bash -c ". $prefix/share/bash-completion/completions/entropix; COMP_WORDS=(entropix ch); COMP_CWORD=1; _entropix; echo completion: \${COMPREPLY[*]}"
# A missing model is an error message from the library, not a crash.
"$DIR/generate" /nonexistent.gguf hi 2>&1
echo PASS
