// ParallelFor allocates nothing per call, whatever its body captures (a
// decode step issues a few hundred loops; issue 13 item 3). Counted by
// replacing the global operator new in this binary (its own executable, so
// the other threading tests are not affected); every thread's allocations
// count, the workers' too.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>

#include "threading/thread_pool.h"

#include "../counting_new.h"  // g_allocations

namespace entropix {
namespace {

TEST(ThreadPoolAllocation, WarmCallsAllocateNothing) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    std::array<std::atomic<int64_t>, 8> sums{};
    const int64_t a = 3, b = 5, c = 7, d = 11;
    // Captures six references and a value: far more than std::function's
    // inline buffer (16 bytes in libstdc++), which is what used to allocate.
    const auto body = [&sums, &a, &b, &c, &d, threads](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) sums[i % 8].fetch_add(a + b + c + d + threads);
    };
    for (int warm = 0; warm < 10; ++warm) pool.ParallelFor(1000, 16, body);
    const long before = g_allocations.load();
    constexpr int kCalls = 500;
    for (int call = 0; call < kCalls; ++call) {
      pool.ParallelFor(1000, 16, body);
      pool.ParallelFor(5, 1, [&sums, &a, &b, &c](int64_t begin, int64_t end) {
        sums[begin].fetch_add(a + b + c + end);
      });
    }
    EXPECT_EQ(g_allocations.load() - before, 0) << threads << " threads, " << 2 * kCalls << " calls";
    int64_t total = 0;
    for (const auto& s : sums) total += s.load();
    EXPECT_GT(total, 0);
  }
}

// The counter sees allocations at all (so the test above can fail).
TEST(ThreadPoolAllocation, CounterCounts) {
  const long before = g_allocations.load();
  void* p = ::operator new(16);  // a direct call: never elided, unlike a new-expression
  ::operator delete(p);
  EXPECT_EQ(g_allocations.load() - before, 1);
}

// What ParallelFor used to do, a std::function built per call from a lambda
// larger than its inline buffer, is what the first test would catch.
TEST(ThreadPoolAllocation, AStdFunctionPerCallWouldBeCounted) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  const int64_t a = 1, b = 2, c = 3;
  const auto body = [&sum, &a, &b, &c](int64_t begin, int64_t end) { sum.fetch_add(a + b + c + end - begin); };
  const long before = g_allocations.load();
  for (int call = 0; call < 10; ++call) pool.ParallelFor(100, 8, std::function<void(int64_t, int64_t)>(body));
  EXPECT_GE(g_allocations.load() - before, 10);
}

}  // namespace
}  // namespace entropix
