// The paged KV cache on its own, against a plain oracle: random sequences of
// appends, forks, clones, rewinds, copies and destructions over several
// caches (two families, small pages), checking after every operation that
// every cache reads back exactly the rows written into its sequence.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "kv_cache/kv_cache.h"

namespace entropix {
namespace {

constexpr int kLayers = 2, kHeads = 2, kHeadDim = 3, kDim = kHeads * kHeadDim, kCapacity = 40,
              kPage = 4;

// A row's value for (layer, kind, i), from the stamp of the write that made
// it; exact in float for stamps below 2^16.
float Value(int stamp, int layer, int kind, int i) {
  return static_cast<float>(stamp * 100 + layer * 10 + kind * 5 + i);
}

struct Entry {
  KvCache cache;
  std::vector<int> stamps;  // oracle: the stamp of each position
};

void Append(Entry& e, int n, int& stamp) {
  e.cache.PrepareAppend(n);
  for (int j = 0; j < n; ++j) {
    const int pos = e.cache.size() + j;
    ++stamp;
    for (int l = 0; l < kLayers; ++l) {
      float k[kDim], v[kDim];  // heads one after the other, as Write takes them
      for (int i = 0; i < kDim; ++i) {
        k[i] = Value(stamp, l, 0, i);
        v[i] = Value(stamp, l, 1, i);
      }
      e.cache.Write(l, pos, k, v);
    }
    e.stamps.push_back(stamp);
  }
  e.cache.SetSize(e.cache.size() + n);
}

void Check(const std::vector<Entry>& caches, const std::string& after) {
  for (size_t c = 0; c < caches.size(); ++c) {
    const Entry& e = caches[c];
    ASSERT_EQ(e.cache.size(), static_cast<int>(e.stamps.size())) << after << ", cache " << c;
    ASSERT_EQ(e.cache.pages(), (e.cache.size() + kPage - 1) / kPage) << after << ", cache " << c;
    ASSERT_LE(e.cache.bytes(), e.cache.pages() * e.cache.page_bytes());
    for (int pos = 0; pos < e.cache.size(); ++pos) {
      for (int l = 0; l < kLayers; ++l) {
        for (int i = 0; i < kDim; ++i) {
          const int h = i / kHeadDim, d = i % kHeadDim;
          ASSERT_EQ(e.cache.key(l, h, pos)[d], Value(e.stamps[pos], l, 0, i))
              << after << ", cache " << c << " pos " << pos;
          ASSERT_EQ(e.cache.value(l, h, pos)[d], Value(e.stamps[pos], l, 1, i))
              << after << ", cache " << c << " pos " << pos;
        }
      }
    }
  }
}

TEST(KvCachePages, RandomOperationsMatchAnOracle) {
  std::mt19937 rng(20261127);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<Entry> caches;
  caches.push_back({KvCache(kLayers, kHeads, kHeadDim, kCapacity, kPage), {}});
  caches.push_back({KvCache(kLayers, kHeads, kHeadDim, kCapacity, kPage), {}});  // a second family
  int stamp = 0;
  for (int step = 0; step < 3000; ++step) {
    const int c = uniform(0, static_cast<int>(caches.size()) - 1);
    Entry& e = caches[c];
    const int size = e.cache.size();
    const int op = uniform(0, 9);
    std::string what;
    if (op <= 3) {
      const int n = uniform(0, std::min(9, kCapacity - size));
      Append(e, n, stamp);
      what = "append " + std::to_string(n);
    } else if (op == 4 && caches.size() < 8) {
      const int n = uniform(0, size);
      Entry child{e.cache.Fork(n), {e.stamps.begin(), e.stamps.begin() + n}};
      EXPECT_LE(child.cache.copied_pages(), 1);
      EXPECT_EQ(child.cache.copied_pages(), n % kPage != 0 ? 1 : 0);
      caches.push_back(std::move(child));
      what = "fork at " + std::to_string(n);
    } else if (op == 5 && caches.size() < 8) {
      caches.push_back({e.cache.Clone(), e.stamps});
      what = "clone";
    } else if (op == 6) {
      const int n = uniform(0, size);
      e.cache.Truncate(n);
      e.stamps.resize(n);
      what = "truncate to " + std::to_string(n);
    } else if (op == 7) {
      const int s = uniform(0, static_cast<int>(caches.size()) - 1);
      const Entry& src = caches[s];
      // Positions before `from` must already be equal (CopyFrom's contract).
      int common = 0;
      while (common < std::min(size, src.cache.size()) && e.stamps[common] == src.stamps[common]) ++common;
      const int from = uniform(0, common);
      e.cache.CopyFrom(src.cache, from);
      e.stamps = src.stamps;
      what = "copy from " + std::to_string(s) + " at " + std::to_string(from);
    } else if (op == 8 && caches.size() > 1) {
      caches.erase(caches.begin() + c);  // destroys one, moves the rest
      what = "destroy";
    } else {
      continue;
    }
    Check(caches, "step " + std::to_string(step) + " (" + what + " on cache " + std::to_string(c) + ")");
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(KvCachePages, SharedPageIsCopiedOnWriteOnly) {
  KvCache a(kLayers, kHeads, kHeadDim, kCapacity, kPage);
  int stamp = 0;
  Entry e{std::move(a), {}};
  Append(e, 10, stamp);  // pages 0..2
  KvCache b = e.cache.Fork(8);  // shares pages 0, 1
  EXPECT_EQ(b.copied_pages(), 0);
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_EQ(e.cache.bytes(), e.cache.page_bytes());  // page 2 alone
  e.cache.Truncate(6);  // back into shared page 1
  EXPECT_EQ(e.cache.copied_pages(), 0);  // no write yet, no copy
  e.stamps.resize(6);
  Append(e, 1, stamp);
  EXPECT_EQ(e.cache.copied_pages(), 1);
  EXPECT_EQ(b.bytes(), b.page_bytes());  // page 1 is b's alone now
  for (int i = 0; i < kDim; ++i) {  // b keeps the old row
    EXPECT_EQ(b.key(1, i / kHeadDim, 6)[i % kHeadDim], Value(7, 1, 0, i));
  }
}

TEST(KvCachePages, HeadRowsAreContiguousWithinAPage) {
  // Attention reads one head's rows of a page as one block (stride
  // head_dim): check the layout, not just the round trip.
  KvCache cache(kLayers, kHeads, kHeadDim, kCapacity, kPage);
  int stamp = 0;
  Entry e{std::move(cache), {}};
  Append(e, kPage, stamp);
  for (int l = 0; l < kLayers; ++l) {
    for (int h = 0; h < kHeads; ++h) {
      const float* first = e.cache.key(l, h, 0);
      for (int pos = 1; pos < e.cache.Run(0); ++pos) {
        EXPECT_EQ(e.cache.key(l, h, pos), first + pos * kHeadDim);
        EXPECT_EQ(e.cache.value(l, h, pos), e.cache.value(l, h, 0) + pos * kHeadDim);
      }
    }
  }
}

}  // namespace
}  // namespace entropix
