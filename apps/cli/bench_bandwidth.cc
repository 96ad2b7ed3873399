#include "bench_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "threading/thread_pool.h"

namespace entropix {
namespace {

// 256 MiB: several times the last-level cache of any CPU this runs on, small
// enough to allocate and touch in a fraction of a second.
constexpr size_t kWords = (size_t{256} << 20) / sizeof(uint64_t);
// Slices handed out dynamically, so a thread slowed by another job does not
// hold the others back (the figure is the pool's, not one core's).
constexpr int64_t kSlices = 64;
constexpr int kPasses = 5;

// Eight independent accumulators so the adds never limit the loads.
uint64_t Sum(const uint64_t* p, size_t n) {
  uint64_t s[8] = {};
  for (size_t i = 0; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) s[k] += p[i + k];
  }
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

}  // namespace

double MeasureReadBandwidthGbs(ThreadPool& pool) {
  auto buf = std::make_unique_for_overwrite<uint64_t[]>(kWords);
  // Distinct contents on every page: identical pages could be deduplicated
  // by the host and served from cache.
  pool.ParallelFor(static_cast<int64_t>(kWords), 1 << 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) buf[i] = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
  });
  std::vector<uint64_t> sums(kSlices);  // kept, so the reads cannot be elided
  const size_t per = kWords / kSlices;
  double best_s = 1e30;
  for (int pass = 0; pass < kPasses; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    pool.ParallelFor(kSlices, 1, [&](int64_t b, int64_t e) {
      for (int64_t s = b; s < e; ++s) sums[s] += Sum(buf.get() + s * per, per);
    });
    best_s = std::min(best_s, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  volatile uint64_t sink = 0;
  for (uint64_t s : sums) sink = sink + s;
  return static_cast<double>(per * kSlices * sizeof(uint64_t)) / best_s / 1e9;
}

}  // namespace entropix
