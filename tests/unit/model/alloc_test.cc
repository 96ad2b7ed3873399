// A warm forward step allocates nothing of its own: the workspace buffers
// only grow and the KV-cache pages come from the pool's free list. Counted
// by replacing the global operator new in this binary (its own executable,
// so the other model tests are not affected).
// ThreadPool::ParallelFor takes its body by reference (no std::function):
// no allocation there either (tests/unit/threading/alloc_test.cc).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "model/model.h"
#include "test_util.h"
#include "threading/thread_pool.h"

#include "../counting_new.h"  // g_allocations

namespace entropix {
namespace {

TEST(Allocation, WarmBatchedStepsAllocateNothing) {
  auto m = Model::Load(testing::StoriesPath());
  ThreadPool pool(2);
  Workspace ws(m->config(), 8, 256);
  std::vector<KvCache> caches;
  for (int i = 0; i < 3; ++i) caches.push_back(m->NewCache(256));
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378, 432, 383, 291, 280, 300, 301};
  const std::vector<int32_t> step = {402};
  auto run = [&](bool prefill) {
    std::vector<BatchSegment> segs;
    segs.reserve(3);
    for (int i = 0; i < 3; ++i) {
      BatchSegment s;
      s.cache = &caches[i];
      s.tokens = prefill ? std::span<const int32_t>(prompt.data(), 3 + 4 * i)
                         : std::span<const int32_t>(step);
      s.attention_stats = i != 1;
      s.all_logits = prefill && i == 2;
      segs.push_back(s);
    }
    const long before = g_allocations.load();
    m->ForwardBatch(segs, ws, pool);
    return g_allocations.load() - before;
  };
  // Warm-up: one prefill and one decode step of each shape, then rewind
  // (Truncate(0) returns the pages to the pool's free list).
  run(true);
  run(false);
  for (KvCache& c : caches) c.Truncate(0);
  // 3 + 7 + 11 = 21 rows: three chunks of at most 8.
  EXPECT_EQ(run(true), 0) << "allocations in a warm prefill step";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(run(false), 0) << "allocations in warm decode step " << i;
  // Single-sequence Forward is the same code.
  KvCache& c = caches[0];
  const long before = g_allocations.load();
  m->Forward(step, c, ws, pool);
  EXPECT_EQ(g_allocations.load() - before, 0) << "allocations in a warm Forward";
}

}  // namespace
}  // namespace entropix
