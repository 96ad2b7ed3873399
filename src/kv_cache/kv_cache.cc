#include "kv_cache/kv_cache.h"

#include <cstring>

#include "core/error.h"

namespace entropix {

KvCache::KvCache(int n_layers, int kv_dim, int capacity)
    : n_layers_(n_layers), kv_dim_(kv_dim), capacity_(capacity) {
  ENTROPIX_CHECK(n_layers > 0 && kv_dim > 0 && capacity > 0);
  const size_t n = static_cast<size_t>(n_layers) * capacity * kv_dim;
  // Not zero-filled: only positions < size() are ever read.
  k_.reset(new float[n]);
  v_.reset(new float[n]);
}

void KvCache::SetSize(int n) {
  ENTROPIX_CHECK(n >= 0 && n <= capacity_);
  size_ = n;
}

void KvCache::Truncate(int n) {
  ENTROPIX_CHECK(n >= 0 && n <= size_);
  size_ = n;
}

void KvCache::CopyFrom(const KvCache& other, int from) {
  ENTROPIX_CHECK(other.n_layers_ == n_layers_ && other.kv_dim_ == kv_dim_ &&
                 other.size_ <= capacity_ && from >= 0 && from <= size_);
  if (from > other.size_) from = other.size_;
  const size_t row = static_cast<size_t>(kv_dim_);
  const size_t n = row * (other.size_ - from);
  for (int l = 0; l < n_layers_; ++l) {
    std::memcpy(keys(l) + row * from, other.keys(l) + row * from, n * sizeof(float));
    std::memcpy(values(l) + row * from, other.values(l) + row * from, n * sizeof(float));
  }
  size_ = other.size_;
}

KvCache KvCache::Fork(int n) const {
  ENTROPIX_CHECK(n >= 0 && n <= size_);
  KvCache copy(n_layers_, kv_dim_, capacity_);
  copy.CopyFrom(*this);
  copy.Truncate(n);
  return copy;
}

KvCache KvCache::Clone() const {
  KvCache copy(n_layers_, kv_dim_, capacity_);
  copy.CopyFrom(*this);
  return copy;
}

}  // namespace entropix
