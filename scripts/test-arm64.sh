#!/usr/bin/env bash
# ARM64: cross-builds the engine for aarch64-linux-gnu (Debian's
# g++-aarch64-linux-gnu, cmake/aarch64-linux-gnu.cmake) in build-arm64/ and
# runs its tests here under user-mode emulation (qemu-aarch64), which gives
# the exact results of an ARM64 CPU (slowly). ENTROPIX_ENGINE_ONLY: no eval,
# server, downloads or benchmarks (those libraries have no arm64 build here).
#   * the kernel tests at every level (scalar, neon, dotprod) against the
#     scalar reference, on a CPU with the dot product (-cpu max);
#   * ISA detection: a CPU without it (-cpu cortex-a57) runs neon, and
#     ENTROPIX_ISA caps the level;
#   * the tokenizer goldens, the sampling tests, the model goldens
#     (stories260K and SmolLM2 against llama.cpp; the 1.5B Qwen and Gemma 3
#     goldens are too slow under emulation and stay on x86);
#   * the CLI's greedy stories260K continuation (tests/e2e: e2e_run_stories),
#     and the same text as the x86 build for greedy and seeded sampling.
# Usage: scripts/test-arm64.sh   (scripts/test.sh runs it when the cross
# compiler and qemu are installed; scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "$tool" >/dev/null || {
    echo "error: $tool not found: apt-get install g++-aarch64-linux-gnu qemu-user" \
         "(scripts/install-deps.sh)" >&2; exit 1; }
done
B=build-arm64
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
echo "== ${SECONDS}s: cross build (aarch64, Release, engine only) =="
cmake -S . -B "$B" -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
  -DCMAKE_BUILD_TYPE=Release -DENTROPIX_ENGINE_ONLY=ON "${launcher[@]}" >/dev/null
cmake --build "$B" --target entropix test_kernels test_tokenizer test_sampling test_model \
  -j"${ENTROPIX_ARM64_JOBS:-2}"
file "$B/apps/cli/entropix" | grep -q "ARM aarch64" || {
  echo "error: $B/apps/cli/entropix is not an ARM64 executable" >&2; exit 1; }

export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
emu() { qemu-aarch64 "$@"; }  # -cpu max (the default) has the dot product
T=$B/tests/unit

echo "== ${SECONDS}s: ISA detection and ENTROPIX_ISA under emulation =="
expect_isa() {  # expect_isa WANT [qemu args] [env]
  local want=$1; shift
  local got
  got=$("$@" "$B/apps/cli/entropix" --version | sed -n 's/^kernels: \([a-z0-9]*\).*/\1/p')
  [ "$got" = "$want" ] || { echo "error: expected kernels $want, got '$got' ($*)" >&2; exit 1; }
  echo "kernels: $got ($*)"
}
expect_isa dotprod emu -cpu max
expect_isa neon emu -cpu cortex-a57
expect_isa neon env ENTROPIX_ISA=neon qemu-aarch64 -cpu max
expect_isa scalar env ENTROPIX_ISA=scalar qemu-aarch64 -cpu max
# Another architecture's level: a clear error (exit 1), not a crash.
if msg=$(ENTROPIX_ISA=avx2 emu "$B/apps/cli/entropix" run -m ../shared/models/stories260K.gguf -p hi -n 1 2>&1) \
   || ! grep -q "ENTROPIX_ISA=avx2 is not one of scalar, neon, dotprod" <<<"$msg"; then
  echo "error: ENTROPIX_ISA=avx2 on ARM64: expected a clear error, got: $msg" >&2; exit 1
fi

echo "== ${SECONDS}s: kernel tests, every level (scalar, neon, dotprod) against the reference =="
emu -cpu max "$T/kernels/test_kernels" --gtest_brief=1
echo "== ${SECONDS}s: kernel tests without the dot product (-cpu cortex-a57: scalar, neon) =="
emu -cpu cortex-a57 "$T/kernels/test_kernels" --gtest_brief=1 \
  --gtest_filter='Matvec.SimdMatchesReference:F32Act.SimdMatchesReference:*.EveryIsa*'

echo "== ${SECONDS}s: tokenizer goldens, sampling =="
# (TokenizerLoad.* time the load against x86 budgets: meaningless when emulated.)
emu "$T/tokenizer/test_tokenizer" --gtest_brief=1 --gtest_filter='-TokenizerLoad.*'
emu "$T/sampling/test_sampling" --gtest_brief=1

echo "== ${SECONDS}s: model goldens (stories260K vs numpy, SmolLM2 vs llama.cpp) =="
# SmolLM2: the first ${ENTROPIX_GOLDEN_PROMPTS:-1} of the golden's 5 prompts ("capital", 64 greedy
# steps), both precisions; all 5 are too slow for CI when emulated
# (ENTROPIX_GOLDEN_PROMPTS=5 runs them).
ENTROPIX_GOLDEN_PROMPTS=${ENTROPIX_GOLDEN_PROMPTS:-1} emu "$T/model/test_model" --gtest_brief=1 \
  --gtest_filter='Stories*:LlamaCppGolden.SmolLM2*:KvCache*:PagedCache*:LoadValidation*'

echo "== ${SECONDS}s: the CLI: greedy stories260K continuation (as e2e_run_stories) =="
out=$(emu "$B/apps/cli/entropix" run -m ../shared/models/stories260K.gguf -p "Once upon a time" \
        -n 30 --sampler greedy 2>/dev/null)
echo "$out"
golden="there was a little girl named Lily. She loved to play outside in the park. One day,"
grep -qF "$golden" <<<"$out" || { echo "error: not the golden continuation: $golden" >&2; exit 1; }

# The same tokens as the x86 build (when build/ has one, as in scripts/test.sh)
# for greedy and seeded sampling. The float sums of the two builds differ in
# order (AVX vs NEON lanes), so the logits may differ in the last bits; the
# tokens are expected to agree (they would differ only on a near-tie).
if [ -x build/apps/cli/entropix ]; then
  echo "== ${SECONDS}s: the same tokens as the x86 build (greedy, seeded sample, seeded entropix) =="
  stories=../shared/models/stories260K.gguf
  for sampler in "greedy" "sample -s 42" "entropix -s 7"; do
    # shellcheck disable=SC2086
    x86=$(build/apps/cli/entropix run -q -m $stories -p "Once upon a time" -n 40 --sampler $sampler 2>/dev/null)
    # shellcheck disable=SC2086
    arm=$(emu "$B/apps/cli/entropix" run -q -m $stories -p "Once upon a time" -n 40 --sampler $sampler 2>/dev/null)
    [ "$x86" = "$arm" ] || {
      printf 'error: --sampler %s differs from x86:\n x86: %s\n arm: %s\n' "$sampler" "$x86" "$arm" >&2; exit 1; }
    echo "--sampler $sampler: same text as x86"
  done
  smol=$HOME/.cache/entropix/models/SmolLM2-135M-Instruct.Q4_1.gguf
  if [ -f "$smol" ]; then
    x86=$(build/apps/cli/entropix run -q -m "$smol" -p "What is the capital of France?" -n 16 2>/dev/null)
    arm=$(emu "$B/apps/cli/entropix" run -q -m "$smol" -p "What is the capital of France?" -n 16 2>/dev/null)
    [ "$x86" = "$arm" ] || { printf 'error: SmolLM2 greedy differs:\n x86: %s\n arm: %s\n' "$x86" "$arm" >&2; exit 1; }
    echo "SmolLM2-135M greedy: same text as x86: $arm"
  fi
else
  echo "== skipped: the x86 comparison (no build/apps/cli/entropix) =="
fi
echo "== ${SECONDS}s: ARM64 tests passed =="
