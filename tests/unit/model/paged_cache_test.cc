// The paged KV cache: pages allocated on demand, forks that share whole
// pages and copy at most the partial one, copy on write after a rewind, and
// the memory each cache reports. Correctness is checked through the model:
// a forked, rewound or copied cache must give bitwise the logits of a fresh
// computation of the same tokens.
#include <gtest/gtest.h>

#include <vector>

#include "model/model.h"
#include "test_util.h"
#include "threading/thread_pool.h"

namespace entropix {
namespace {

constexpr int kPage = KvCache::kDefaultPagePositions;

std::vector<int32_t> Tokens(int n, int salt) {
  std::vector<int32_t> t = {1};
  for (int i = 1; i < n; ++i) t.push_back(static_cast<int32_t>(260 + (29 * i + salt) % 250));
  return t;
}

std::vector<int32_t> Concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class PagedCache : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = Model::Load(testing::StoriesPath()).release(); }
  static void TearDownTestSuite() { delete model_; }

  std::vector<float> Run(KvCache& cache, const std::vector<int32_t>& tokens) {
    auto l = model_->Forward(tokens, cache, ws_, pool_);
    return {l.begin(), l.end()};
  }
  // Logits of `tokens` computed from an empty cache.
  std::vector<float> Fresh(const std::vector<int32_t>& tokens) {
    KvCache c = model_->NewCache(512);
    return Run(c, tokens);
  }

  static Model* model_;
  ThreadPool pool_{2};
  Workspace ws_{model_->config(), 16, 512};
};
Model* PagedCache::model_ = nullptr;

TEST_F(PagedCache, PagesAreAllocatedOnDemandAndReleasedByTruncate) {
  KvCache c = model_->NewCache(4096);
  EXPECT_EQ(c.pages(), 0);
  EXPECT_EQ(c.bytes(), 0u);
  const size_t page = c.page_bytes();
  const ModelConfig& cfg = model_->config();
  EXPECT_EQ(page, static_cast<size_t>(kPage) * cfg.n_layers * 2 * cfg.kv_dim() * sizeof(float));
  Run(c, Tokens(5, 0));
  EXPECT_EQ(c.pages(), 1);
  EXPECT_EQ(c.bytes(), page);
  Run(c, Tokens(kPage, 1));  // positions 5 .. 68
  EXPECT_EQ(c.pages(), 2);
  EXPECT_EQ(c.bytes(), 2 * page);
  c.Truncate(kPage + 1);
  EXPECT_EQ(c.pages(), 2);
  c.Truncate(kPage);
  EXPECT_EQ(c.pages(), 1);
  c.Truncate(0);
  EXPECT_EQ(c.pages(), 0);
  EXPECT_EQ(c.bytes(), 0u);
}

TEST_F(PagedCache, ForkAtABoundaryCopiesNoPageInTheMiddleOne) {
  const auto prompt = Tokens(kPage + 10, 2);
  KvCache parent = model_->NewCache(512);
  Run(parent, prompt);
  const size_t page = parent.page_bytes();
  ASSERT_EQ(parent.pages(), 2);

  KvCache at_boundary = parent.Fork(kPage);
  EXPECT_EQ(at_boundary.size(), kPage);
  EXPECT_EQ(at_boundary.copied_pages(), 0);
  EXPECT_EQ(at_boundary.pages(), 1);
  EXPECT_EQ(at_boundary.bytes(), 0u);  // its one page is shared
  EXPECT_EQ(parent.bytes(), page);     // only the second page is the parent's alone

  KvCache in_middle = parent.Fork(kPage + 3);
  EXPECT_EQ(in_middle.copied_pages(), 1);
  EXPECT_EQ(in_middle.pages(), 2);
  EXPECT_EQ(in_middle.bytes(), page);

  KvCache empty = parent.Fork(0);
  EXPECT_EQ(empty.pages(), 0);
  EXPECT_EQ(empty.copied_pages(), 0);
}

TEST_F(PagedCache, ForkThenDivergentContinuations) {
  const auto prompt = Tokens(kPage + 10, 3);
  const auto x = Tokens(9, 4), y = Tokens(6, 5);
  for (int n : {kPage, kPage + 3, kPage + 10, 7}) {
    KvCache parent = model_->NewCache(512);
    Run(parent, prompt);
    KvCache child = parent.Fork(n);
    const std::vector<int32_t> head(prompt.begin(), prompt.begin() + n);
    // The child writes into the page it shares with the parent (or its copy).
    EXPECT_EQ(Run(child, x), Fresh(Concat(head, x))) << "fork at " << n;
    EXPECT_EQ(parent.size(), static_cast<int>(prompt.size()));
    EXPECT_EQ(Run(parent, y), Fresh(Concat(prompt, y))) << "parent after fork at " << n;
    EXPECT_EQ(Run(child, y), Fresh(Concat(Concat(head, x), y))) << "child again, fork at " << n;
  }
}

TEST_F(PagedCache, WriteIntoASharedPageCopiesIt) {
  const auto prompt = Tokens(kPage + 5, 6);
  KvCache parent = model_->NewCache(512);
  Run(parent, prompt);
  KvCache child = parent.Fork(kPage);  // shares page 0
  // Rewinding the parent into the shared page, then writing, must not touch the child.
  parent.Truncate(30);
  const auto y = Tokens(12, 7);
  const std::vector<int32_t> head30(prompt.begin(), prompt.begin() + 30);
  EXPECT_EQ(Run(parent, y), Fresh(Concat(head30, y)));
  EXPECT_EQ(parent.copied_pages(), 1);
  const auto x = Tokens(4, 8);
  const std::vector<int32_t> head64(prompt.begin(), prompt.begin() + kPage);
  EXPECT_EQ(Run(child, x), Fresh(Concat(head64, x)));
  EXPECT_EQ(child.copied_pages(), 0);  // page 0 is the child's alone now: no copy
}

TEST_F(PagedCache, CopyFromWithinAFamilySharesPages) {
  const auto prompt = Tokens(2 * kPage + 5, 9);
  KvCache parent = model_->NewCache(512);
  Run(parent, prompt);
  KvCache branch = parent.Fork(kPage + 2);
  const auto x = Tokens(7, 10);
  Run(branch, x);
  // Committing the branch into the parent: pages below 64 are shared again,
  // the branch's partial page is copied.
  parent.CopyFrom(branch, kPage + 2);
  EXPECT_EQ(parent.size(), kPage + 2 + 7);
  EXPECT_EQ(parent.copied_pages(), 1);
  EXPECT_EQ(parent.bytes(), parent.page_bytes());
  const std::vector<int32_t> head(prompt.begin(), prompt.begin() + kPage + 2);
  const auto z = Tokens(3, 11);
  EXPECT_EQ(Run(parent, z), Fresh(Concat(Concat(head, x), z)));
  EXPECT_EQ(Run(branch, z), Fresh(Concat(Concat(head, x), z)));
}

TEST_F(PagedCache, CopyFromAnotherFamilyAndPageSize) {
  const auto prompt = Tokens(40, 12);
  KvCache small_pages = model_->NewCache(512, 3);
  Run(small_pages, prompt);
  KvCache other = model_->NewCache(512);  // its own pool, 64-position pages
  Run(other, Tokens(20, 13));
  other.Truncate(0);
  other.CopyFrom(small_pages);
  EXPECT_EQ(other.copied_pages(), 0);  // rows were copied, no page was shared
  const auto z = Tokens(5, 14);
  EXPECT_EQ(Run(other, z), Fresh(Concat(prompt, z)));
  EXPECT_EQ(Run(small_pages, z), Fresh(Concat(prompt, z)));
}

TEST_F(PagedCache, MovedCacheKeepsItsPages) {
  const auto prompt = Tokens(70, 15);
  KvCache a = model_->NewCache(512);
  Run(a, prompt);
  KvCache fork = a.Fork(70);
  KvCache b = std::move(a);
  EXPECT_EQ(b.size(), 70);
  fork = std::move(b);  // releases the fork's own pages, keeps b's
  const auto z = Tokens(3, 16);
  EXPECT_EQ(Run(fork, z), Fresh(Concat(prompt, z)));
}

}  // namespace
}  // namespace entropix
