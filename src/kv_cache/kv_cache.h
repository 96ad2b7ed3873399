// Keys and values of every layer for the positions seen so far.
//
// Layout: k and v are each [n_layers][capacity][kv_dim] float32 (kv_dim =
// n_kv_heads * head_dim). Positions 0..size()-1 are valid.
//
// Resampling and branching need two operations llama.cpp's sampler chain
// cannot express: Truncate (rewind to a shorter prefix; the rest is simply
// overwritten later) and Clone (an explicit deep copy of the valid prefix, so
// a branch can be rolled out and thrown away). Copying is explicit: the copy
// constructor is deleted so a cache is never duplicated by accident.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace entropix {

class KvCache {
 public:
  KvCache(int n_layers, int kv_dim, int capacity);
  KvCache(KvCache&&) noexcept = default;
  KvCache& operator=(KvCache&&) noexcept = default;
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  int n_layers() const { return n_layers_; }
  int kv_dim() const { return kv_dim_; }
  int capacity() const { return capacity_; }
  int size() const { return size_; }

  // Rows of one layer: [capacity][kv_dim].
  float* keys(int layer) { return k_.get() + Offset(layer); }
  float* values(int layer) { return v_.get() + Offset(layer); }
  const float* keys(int layer) const { return k_.get() + Offset(layer); }
  const float* values(int layer) const { return v_.get() + Offset(layer); }

  // Marks positions [0, n) valid after the forward pass wrote them.
  void SetSize(int n);
  // Drops positions >= n (n <= size()).
  void Truncate(int n);
  // A new cache holding positions [0, n) of this one (n <= size()), for a
  // sequence forked at position n. Contract (what callers may rely on):
  // afterwards the two caches are independent. First version: a deep copy.
  KvCache Fork(int n) const;
  // Deep copy of the valid prefix, with the same capacity.
  KvCache Clone() const;
  // Makes this cache equal to `other` (same geometry) without reallocating,
  // copying only positions [from, other.size()): a branch shares the prefix
  // before `from` with its parent, so committing or forking copies the
  // branch's own positions alone.
  void CopyFrom(const KvCache& other, int from = 0);

  size_t bytes() const { return 2 * static_cast<size_t>(n_layers_) * capacity_ * kv_dim_ * sizeof(float); }

 private:
  size_t Offset(int layer) const { return static_cast<size_t>(layer) * capacity_ * kv_dim_; }

  int n_layers_;
  int kv_dim_;
  int capacity_;
  int size_ = 0;
  std::unique_ptr<float[]> k_;
  std::unique_ptr<float[]> v_;
};

}  // namespace entropix
