#!/usr/bin/env bash
# The test command: installs dependencies, builds, fetches the models the
# tests compare against llama.cpp (the default SmolLM2-135M and
# Qwen2.5-Coder-1.5B; cached after the first run), runs every test (ctest),
# the ARM64 cross build's tests under emulation (scripts/test-arm64.sh),
# the Python package's tests (scripts/test-python.sh),
# then runs the whole suite again under AddressSanitizer + UndefinedBehavior-
# Sanitizer, the threaded tests under ThreadSanitizer, and a short libFuzzer
# run of every fuzz target (scripts/fuzz-smoke.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# The tiny golden model and the task data are the workplace's shared/ folder
# beside the checkout (never copied into the repo): say so plainly if absent.
if [ ! -f ../shared/models/stories260K.gguf ]; then
  echo "error: ../shared/models/stories260K.gguf not found: the tests need the shared/ folder beside" \
       "this checkout (clone main next to it, e.g. parent/{main,shared})" >&2
  exit 1
fi
scripts/install-deps.sh
scripts/build.sh
build/apps/cli/entropix pull smollm2-135m
build/apps/cli/entropix pull qwen2.5-coder-1.5b
build/apps/cli/entropix pull gemma3-270m
export ENTROPIX_REQUIRE_MODELS=${ENTROPIX_REQUIRE_MODELS:-1}
export ENTROPIX_REQUIRE_SERVER_E2E=${ENTROPIX_REQUIRE_SERVER_E2E:-1}  # the openai-client tests must run
(cd build && ctest --output-on-failure -j2)

# ARM64: the cross build's kernel, tokenizer, sampling and model tests under
# qemu-aarch64 (scripts/test-arm64.sh) when the cross compiler is installed.
if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null; then
  echo "== ${SECONDS}s: ARM64 cross build, tests under emulation =="
  scripts/test-arm64.sh
else
  echo "== skipped: the ARM64 tests (no aarch64-linux-gnu-g++ / qemu-aarch64; scripts/install-deps.sh installs them) =="
fi

echo "== ${SECONDS}s: the Python package: pip install . into a fresh venv, pytest =="
scripts/test-python.sh

# The sanitizer builds use -O1 -g1 (line tables for the reports' stack
# traces): about half the compile time of -O2 -g on our heaviest files
# (scheduler_test.cc 19.4 -> 9.4 s, eval_command.cc 20.1 -> 10.4 s), which is
# most of these stages; the sanitizers' own docs recommend -O1.
SAN_FLAGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
           "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
echo "== ${SECONDS}s: sanitizer build (ASan + UBSan): the whole suite =="
cmake -S . -B build-asan -G Ninja "${SAN_FLAGS[@]}" -DENTROPIX_SANITIZE=ON \
  -DENTROPIX_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Every ctest (unit, e2e, fuzz seed replays) under the sanitizers; test_model's
# 1.5B-model and Gemma (262k vocabulary) goldens are too slow under ASan; the
# small models and the tiny gemma3 file cover the same code. The browser test
# and the manifest validation test the page and deploy/, not our C++: once is
# enough (the Release run).
(cd build-asan && ctest --output-on-failure -j2 -E '^(test_model|e2e_server_browser|deploy_k8s_validate|deploy_dockerfile_lint)$')
build-asan/tests/unit/model/test_model --gtest_brief=1 --gtest_filter='-*Qwen*:LlamaCppGolden.Gemma3*'

echo "== ${SECONDS}s: ThreadSanitizer: thread pool, the multi-threaded session, the server =="
cmake -S . -B build-tsan -G Ninja "${SAN_FLAGS[@]}" -DENTROPIX_TSAN=ON \
  -DENTROPIX_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan --target test_threading test_runtime test_server
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} build-tsan/tests/unit/threading/test_threading --gtest_brief=1
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} build-tsan/tests/unit/runtime/test_runtime --gtest_brief=1 \
  --gtest_filter='-*DefaultModel*'
# The server: handler threads, the engine thread, channels, cancellation.
# tsan.supp: Debian's cpp-httplib is not instrumented (the file says why).
TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1} suppressions=tests/unit/server/tsan.supp" \
  build-tsan/tests/unit/server/test_server --gtest_brief=1

echo "== ${SECONDS}s: fuzz smoke runs (libFuzzer, clang) =="
scripts/fuzz-smoke.sh "${ENTROPIX_FUZZ_SECONDS:-20}"
echo "== ${SECONDS}s: all tests passed =="
