#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, every library instrumented, ASan+UBSan)
# into build-fuzz/ and runs each one for SECONDS (default 20) from its seed
# corpus. A crash, sanitizer report, leak or time-out fails the script and
# leaves the reproducer under build-fuzz/findings/TARGET/. Longer campaigns:
# docs/SECURITY.md.
#   scripts/fuzz-smoke.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
CXX=${FUZZ_CXX:-clang++-14}
CC=${FUZZ_CC:-clang-14} CXX=$CXX cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DENTROPIX_FUZZ=ON -DENTROPIX_BUILD_BENCH=OFF -DENTROPIX_BUILD_TESTS=ON >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(sed -n 's/^entropix_add_fuzzer(\([a-z_0-9]*\) .*/\1/p' tests/fuzz/CMakeLists.txt)
fi
cmake --build build-fuzz --target "${targets[@]}"
status=0
for t in "${targets[@]}"; do
  work=build-fuzz/findings/$t
  rm -rf "$work" && mkdir -p "$work/corpus"
  log=$work/log.txt
  # New inputs go to a scratch corpus; the committed seeds are read only.
  if build-fuzz/tests/fuzz/$t -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz $t: ok, $runs executions in ${seconds}s"
  else
    echo "fuzz $t: FAILED (log and reproducer in $work/)"
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5
    status=1
  fi
done
exit $status
