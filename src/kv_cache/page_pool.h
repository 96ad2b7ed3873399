// Fixed-size pages of KV-cache memory, reference counted, shared by a cache
// and everything forked or cloned from it.
//
// A page is one float block; KvCache decides its layout. Pages released to
// zero references go to a free list and are handed out again before any new
// memory is allocated, so a sequence that forks, rolls out and discards
// branches stops allocating once the pool has grown to its working set.
//
// Not thread-safe: the counts are plain ints. Every cache sharing a pool
// must be used from one thread at a time (the scheduler's); the forward pass
// only reads pages from its worker threads.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace entropix {

class PagePool {
 public:
  explicit PagePool(size_t page_floats);
  PagePool(const PagePool&) = delete;
  PagePool& operator=(const PagePool&) = delete;

  // A page with one reference (recycled if one is free). Contents undefined.
  int Acquire();
  void Ref(int page) { ++refs_[page]; }
  // Drops one reference; the page is free when none is left.
  void Release(int page);
  int refs(int page) const { return refs_[page]; }

  float* data(int page) { return pages_[page].get(); }
  const float* data(int page) const { return pages_[page].get(); }
  size_t page_floats() const { return page_floats_; }
  size_t page_bytes() const { return page_floats_ * sizeof(float); }
  // Pages allocated so far (in use or free): the pool's memory is this times page_bytes().
  int allocated() const { return static_cast<int>(pages_.size()); }

 private:
  size_t page_floats_;
  std::vector<std::unique_ptr<float[]>> pages_;
  std::vector<int> refs_;  // [allocated]
  std::vector<int> free_;  // ids with refs_ == 0
};

}  // namespace entropix
