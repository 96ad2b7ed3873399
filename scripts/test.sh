#!/usr/bin/env bash
# The test command: installs dependencies, builds, fetches the default model,
# runs every test (ctest), then rebuilds the parsers and kernels with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs their tests again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/apps/cli/entropix pull smollm2-135m
export ENTROPIX_REQUIRE_MODELS=${ENTROPIX_REQUIRE_MODELS:-1}
(cd build && ctest --output-on-failure -j2)

echo "== sanitizer build (ASan + UBSan) =="
san_targets=(test_io test_kernels test_tokenizer test_model)
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENTROPIX_SANITIZE=ON \
  -DENTROPIX_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan --target "${san_targets[@]}"
(cd build-asan && ctest --output-on-failure -j2 -R "^($(IFS='|'; echo "${san_targets[*]}"))$")
