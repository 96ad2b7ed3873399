#include "kv_cache/page_pool.h"

#include "core/error.h"

namespace entropix {

PagePool::PagePool(size_t page_floats) : page_floats_(page_floats) {
  ENTROPIX_CHECK(page_floats > 0);
}

int PagePool::Acquire() {
  if (!free_.empty()) {
    const int page = free_.back();
    free_.pop_back();
    refs_[page] = 1;
    return page;
  }
  // Not zero-filled: only positions below a cache's size are ever read.
  pages_.emplace_back(new float[page_floats_]);
  refs_.push_back(1);
  // Every page may become free at once; reserving now keeps Release from allocating.
  free_.reserve(pages_.size());
  return static_cast<int>(pages_.size()) - 1;
}

void PagePool::Release(int page) {
  ENTROPIX_CHECK(refs_[page] > 0);
  if (--refs_[page] == 0) free_.push_back(page);
}

}  // namespace entropix
