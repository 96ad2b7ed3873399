#include "kv_cache/kv_cache.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "kv_cache/page_pool.h"

namespace entropix {

KvCache::KvCache(int n_layers, int n_heads, int head_dim, int capacity, int page_positions)
    : n_layers_(n_layers), n_heads_(n_heads), head_dim_(head_dim), capacity_(capacity),
      page_positions_(page_positions) {
  ENTROPIX_CHECK(n_layers > 0 && n_heads > 0 && head_dim > 0 && capacity > 0 && page_positions > 0);
  pool_ = std::make_shared<PagePool>(static_cast<size_t>(n_layers) * 2 * n_heads * page_positions *
                                     head_dim);
  // The table never reallocates, so appending a page allocates at most the page.
  table_.reserve((capacity + page_positions - 1) / page_positions);
}

KvCache::KvCache(const KvCache& family, int capacity)
    : n_layers_(family.n_layers_), n_heads_(family.n_heads_), head_dim_(family.head_dim_),
      capacity_(capacity),
      page_positions_(family.page_positions_), pool_(family.pool_) {
  table_.reserve((capacity + page_positions_ - 1) / page_positions_);
}

KvCache::~KvCache() {
  if (pool_) ReleaseFrom(0);
}

KvCache::KvCache(KvCache&& o) noexcept
    : n_layers_(o.n_layers_), n_heads_(o.n_heads_), head_dim_(o.head_dim_), capacity_(o.capacity_),
      page_positions_(o.page_positions_), size_(o.size_), copied_pages_(o.copied_pages_),
      pool_(std::move(o.pool_)), table_(std::move(o.table_)) {
  o.table_.clear();
  o.size_ = 0;
}

KvCache& KvCache::operator=(KvCache&& o) noexcept {
  if (this == &o) return *this;
  if (pool_) ReleaseFrom(0);
  n_layers_ = o.n_layers_;
  n_heads_ = o.n_heads_;
  head_dim_ = o.head_dim_;
  capacity_ = o.capacity_;
  page_positions_ = o.page_positions_;
  size_ = o.size_;
  copied_pages_ = o.copied_pages_;
  pool_ = std::move(o.pool_);
  table_ = std::move(o.table_);
  o.table_.clear();
  o.size_ = 0;
  return *this;
}

const float* KvCache::Row(int layer, int kind, int head, int pos) const {
  return pool_->data(table_[pos / page_positions_]) + RowOffset(layer, kind, head, pos);
}

float* KvCache::MutableRow(int layer, int kind, int head, int pos) {
  const int page = table_[pos / page_positions_];
  ENTROPIX_CHECK(pool_->refs(page) == 1);  // PrepareAppend made it ours
  return pool_->data(page) + RowOffset(layer, kind, head, pos);
}

void KvCache::Write(int layer, int pos, const float* k, const float* v) {
  const size_t bytes = static_cast<size_t>(head_dim_) * sizeof(float);
  for (int h = 0; h < n_heads_; ++h) {
    std::memcpy(mutable_key(layer, h, pos), k + static_cast<size_t>(h) * head_dim_, bytes);
    std::memcpy(mutable_value(layer, h, pos), v + static_cast<size_t>(h) * head_dim_, bytes);
  }
}

int KvCache::CopyPage(int src, int rows) {
  const int dst = pool_->Acquire();
  const float* from = pool_->data(src);
  float* to = pool_->data(dst);
  const size_t block = static_cast<size_t>(page_positions_) * head_dim_;  // one (layer, k|v, head)
  for (int b = 0; b < 2 * n_layers_ * n_heads_; ++b) {
    std::memcpy(to + b * block, from + b * block, static_cast<size_t>(rows) * head_dim_ * sizeof(float));
  }
  ++copied_pages_;
  return dst;
}

void KvCache::ReleaseFrom(int first_page) {
  for (size_t i = first_page; i < table_.size(); ++i) pool_->Release(table_[i]);
  if (static_cast<size_t>(first_page) < table_.size()) table_.resize(first_page);
}

void KvCache::PrepareAppend(int n) {
  ENTROPIX_CHECK(n >= 0 && size_ + n <= capacity_);
  if (n == 0) return;
  const int first = size_ / page_positions_;
  const int last = (size_ + n - 1) / page_positions_;
  for (int i = first; i <= last; ++i) {
    if (i >= static_cast<int>(table_.size())) {
      table_.push_back(pool_->Acquire());
    } else if (pool_->refs(table_[i]) > 1) {
      // Copy on write: keep the valid positions of the shared page.
      const int valid = std::clamp(size_ - i * page_positions_, 0, page_positions_);
      const int copy = CopyPage(table_[i], valid);
      pool_->Release(table_[i]);
      table_[i] = copy;
    }
  }
}

void KvCache::SetSize(int n) {
  ENTROPIX_CHECK(n >= 0 && n <= capacity_);
  if (n < size_) {
    Truncate(n);
    return;
  }
  ENTROPIX_CHECK(n <= static_cast<int>(table_.size()) * page_positions_);
  size_ = n;
}

void KvCache::Truncate(int n) {
  ENTROPIX_CHECK(n >= 0 && n <= size_);
  size_ = n;
  ReleaseFrom((n + page_positions_ - 1) / page_positions_);
}

// Shares other's pages below n (same pool) and copies the partial one.
void KvCache::ShareFrom(const KvCache& other, int n) {
  ENTROPIX_CHECK(pool_ == other.pool_ && n <= other.size_ && n <= capacity_);
  if (this == &other) {
    Truncate(n);
    return;
  }
  const int full = n / page_positions_;
  // Take the new references before dropping ours: the pages may be the same.
  for (int i = 0; i < full; ++i) pool_->Ref(other.table_[i]);
  ReleaseFrom(0);
  table_.assign(other.table_.begin(), other.table_.begin() + full);
  if (n % page_positions_ != 0) table_.push_back(CopyPage(other.table_[full], n % page_positions_));
  size_ = n;
}

KvCache KvCache::Fork(int n) const {
  ENTROPIX_CHECK(n >= 0 && n <= size_);
  KvCache child(*this, capacity_);
  child.ShareFrom(*this, n);
  return child;
}

KvCache KvCache::Clone() const { return Fork(size_); }

void KvCache::CopyFrom(const KvCache& other, int from) {
  ENTROPIX_CHECK(other.n_layers_ == n_layers_ && other.n_heads_ == n_heads_ &&
                 other.head_dim_ == head_dim_ &&
                 other.size_ <= capacity_ && from >= 0 && from <= size_);
  if (pool_ == other.pool_) {
    ShareFrom(other, other.size_);
    return;
  }
  // Another family (its own pool, perhaps another page size): copy rows.
  from = std::min(from, other.size_);
  Truncate(from);
  PrepareAppend(other.size_ - from);
  for (int pos = from; pos < other.size_;) {
    const int run = std::min({Run(pos), other.Run(pos), other.size_ - pos});
    const size_t bytes = static_cast<size_t>(run) * head_dim_ * sizeof(float);
    for (int l = 0; l < n_layers_; ++l) {
      for (int h = 0; h < n_heads_; ++h) {
        std::memcpy(mutable_key(l, h, pos), other.key(l, h, pos), bytes);
        std::memcpy(mutable_value(l, h, pos), other.value(l, h, pos), bytes);
      }
    }
    pos += run;
  }
  size_ = other.size_;
}

size_t KvCache::bytes() const {
  size_t owned = 0;
  for (int page : table_) owned += pool_->refs(page) == 1 ? 1 : 0;
  return owned * pool_->page_bytes();
}

size_t KvCache::page_bytes() const { return pool_->page_bytes(); }

}  // namespace entropix
