// Memory read bandwidth: sum a 1 GiB buffer of 64-bit words with 1 and 2
// threads (each thread its own slice). The ceiling for decode, where every
// weight byte is read once per token.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>

namespace {

constexpr size_t kBytes = size_t{1} << 30;

uint64_t* Buffer() {
  static uint64_t* buf = [] {
    auto* p = static_cast<uint64_t*>(std::aligned_alloc(4096, kBytes));
    // Touch every page before timing, with distinct contents (identical
    // pages could be deduplicated by the host and served from cache).
    for (size_t i = 0; i < kBytes / 8; ++i) p[i] = i * 0x9E3779B97F4A7C15ULL;
    return p;
  }();
  return buf;
}

// Eight independent accumulators so the adds never limit the loads.
uint64_t Sum(const uint64_t* p, size_t n) {
  uint64_t s[8] = {};
  for (size_t i = 0; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) s[k] += p[i + k];
  }
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

void BM_ReadSum(benchmark::State& state) {
  uint64_t* buf = Buffer();
  const size_t words = kBytes / 8, per = words / state.threads();
  const uint64_t* slice = buf + per * state.thread_index();
  for (auto _ : state) benchmark::DoNotOptimize(Sum(slice, per));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * per * 8));
}
BENCHMARK(BM_ReadSum)->Threads(1)->Threads(2)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
