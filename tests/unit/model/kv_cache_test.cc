// KV cache rewind and clone, checked through the model: a rewound or cloned
// cache must give bitwise the same logits as a fresh computation.
#include <gtest/gtest.h>

#include <vector>

#include "model/model.h"
#include "test_util.h"
#include "threading/thread_pool.h"

namespace entropix {
namespace {

std::vector<float> Forward(const Model& m, KvCache& cache, Workspace& ws, ThreadPool& pool,
                       std::vector<int32_t> tokens) {
  auto l = m.Forward(tokens, cache, ws, pool);
  return {l.begin(), l.end()};
}

TEST(KvCache, TruncateThenContinueEqualsFresh) {
  auto m = Model::Load(testing::StoriesPath());
  ThreadPool pool(2);
  Workspace ws(m->config(), 16, 64);
  KvCache a = m->NewCache(64);
  Forward(*m, a, ws, pool, {1, 403, 407, 261, 378, 432, 383});
  a.Truncate(5);
  EXPECT_EQ(a.size(), 5);
  const auto rewound = Forward(*m, a, ws, pool, {291, 280});
  KvCache b = m->NewCache(64);
  const auto fresh = Forward(*m, b, ws, pool, {1, 403, 407, 261, 378, 291, 280});
  EXPECT_EQ(rewound, fresh);
}

TEST(KvCache, CloneIsIndependent) {
  auto m = Model::Load(testing::StoriesPath());
  ThreadPool pool(1);
  Workspace ws(m->config(), 16, 64);
  KvCache parent = m->NewCache(64);
  Forward(*m, parent, ws, pool, {1, 403, 407});
  KvCache branch = parent.Clone();
  EXPECT_EQ(branch.size(), 3);
  const auto on_branch = Forward(*m, branch, ws, pool, {261, 378});
  // The parent is untouched by the branch's writes.
  EXPECT_EQ(parent.size(), 3);
  const auto on_parent = Forward(*m, parent, ws, pool, {261, 378});
  EXPECT_EQ(on_branch, on_parent);
  // Committing a branch copies only the positions after the shared prefix.
  KvCache other = m->NewCache(64);
  Forward(*m, other, ws, pool, {1, 403, 407});
  Forward(*m, branch, ws, pool, {432});
  other.CopyFrom(branch, 3);
  EXPECT_EQ(other.size(), 6);
  EXPECT_EQ(Forward(*m, other, ws, pool, {383}), Forward(*m, branch, ws, pool, {383}));
}

}  // namespace
}  // namespace entropix
