#!/usr/bin/env bash
# The test command: installs dependencies, builds, fetches the models the
# tests compare against llama.cpp (the default SmolLM2-135M and
# Qwen2.5-Coder-1.5B; cached after the first run), runs every test (ctest),
# then rebuilds the parsers, kernels, tokenizer and model with AddressSanitizer
# + UndefinedBehaviorSanitizer and runs their tests again.
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
export ENTROPIX_REQUIRE_MODELS=${ENTROPIX_REQUIRE_MODELS:-1}
(cd build && ctest --output-on-failure -j2)

echo "== sanitizer build (ASan + UBSan) =="
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENTROPIX_SANITIZE=ON \
  -DENTROPIX_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan --target test_io test_kernels test_tokenizer test_model test_sampling
for t in io kernels tokenizer sampling; do
  build-asan/tests/unit/$t/test_$t --gtest_brief=1
done
# The 1.5B model is too slow under ASan; the small models cover the same code.
build-asan/tests/unit/model/test_model --gtest_brief=1 --gtest_filter='-*Qwen*'
