// Keys and values of every layer for the positions seen so far, in pages.
//
// Layout: positions are grouped into pages of page_positions() positions;
// one page holds, for those positions, the keys and values of every layer:
//   page: [n_layers][2 (k, v)][n_heads][page_positions][head_dim] float32
// (n_heads: the key/value heads). Head-major, so attention, which reads one
// head's rows of a page, reads 64 * head_dim contiguous floats: with
// position-major rows (a head's slice of every kv_dim row) the hardware
// prefetcher did not follow and decode at 4k context read the cache at
// ~3.5 GB/s per thread (bench_kernels attention/.../cold; ~20 GB/s now).
// The cache keeps a table of page ids,
// one per page_positions positions, and allocates a page when a position
// first needs it: a 4096-position cache that holds 100 positions has two
// pages (at the default 64).
//
// Sharing. Pages come from a PagePool shared with every cache forked or
// cloned from this one, and are reference counted. Fork(n) shares the pages
// wholly below n and copies the one partial page, if any; a write into a
// page that is still shared (after a Truncate below a fork point) first
// copies it (copy on write). So a fork costs at most one page copy and
// caches are independent by value.
//
// Resampling and branching need two operations llama.cpp's sampler chain
// cannot express: Truncate (rewind to a shorter prefix) and Fork/Clone (a
// copy of the valid prefix, so a branch can be rolled out and thrown away).
// Copying is explicit: the copy constructor is deleted so a cache is never
// duplicated by accident.
//
// Thread-safety: reference counts are not atomic. A cache and all caches
// forked or cloned from it must be used from one thread (the scheduler's);
// during a forward pass, worker threads only read pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace entropix {

class PagePool;

class KvCache {
 public:
  // 64 positions per page: a fork copies at most 63 positions (a few percent
  // of a typical prompt), at most 63 positions per sequence go unused, and
  // attention's score matvec runs over 64 rows per call, long enough to
  // amortise the call. Page bytes = 64 * n_layers * 2 * n_heads * head_dim * 4
  // (2.9 MiB for SmolLM2-135M, 3.5 MiB for Qwen2.5-1.5B).
  static constexpr int kDefaultPagePositions = 64;

  KvCache(int n_layers, int n_heads, int head_dim, int capacity,
          int page_positions = kDefaultPagePositions);
  ~KvCache();
  KvCache(KvCache&& other) noexcept;
  KvCache& operator=(KvCache&& other) noexcept;
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  int n_layers() const { return n_layers_; }
  int n_heads() const { return n_heads_; }
  int head_dim() const { return head_dim_; }
  int kv_dim() const { return n_heads_ * head_dim_; }
  int capacity() const { return capacity_; }
  int size() const { return size_; }
  int page_positions() const { return page_positions_; }

  // The head_dim floats of one head at position pos of a layer. Rows
  // pos .. pos + Run(pos) - 1 of the head are contiguous (stride head_dim):
  // the rest of pos's page. Reading needs pos < size(); writing (mutable_*,
  // Write) needs PrepareAppend to cover pos.
  const float* key(int layer, int head, int pos) const { return Row(layer, 0, head, pos); }
  const float* value(int layer, int head, int pos) const { return Row(layer, 1, head, pos); }
  float* mutable_key(int layer, int head, int pos) { return MutableRow(layer, 0, head, pos); }
  float* mutable_value(int layer, int head, int pos) { return MutableRow(layer, 1, head, pos); }
  // Stores one position's keys and values of a layer, k and v [kv_dim] as
  // the projections give them (head after head).
  void Write(int layer, int pos, const float* k, const float* v);
  int Run(int pos) const { return page_positions_ - pos % page_positions_; }

  // Makes positions [size(), size() + n) writable: allocates their pages and
  // copies any that are shared. size() + n <= capacity().
  void PrepareAppend(int n);
  // Marks positions [0, n) valid after the forward pass wrote them.
  void SetSize(int n);
  // Drops positions >= n (n <= size()) and releases pages wholly above n.
  void Truncate(int n);
  // A new cache holding positions [0, n) of this one (n <= size()), for a
  // sequence forked at position n: shares the pages below n, copies the
  // partial page. Afterwards the two caches are independent.
  KvCache Fork(int n) const;
  // Fork(size()).
  KvCache Clone() const;
  // Makes this cache equal to `other` (same n_layers and kv_dim; other.size()
  // <= capacity()). Within one family (a cache and its forks/clones) pages
  // are shared as Fork does; otherwise only positions [from, other.size())
  // are copied, positions before `from` being equal already (a branch
  // shares its prefix with its parent).
  void CopyFrom(const KvCache& other, int from = 0);

  // Memory this cache alone keeps alive: its pages no other cache shares.
  size_t bytes() const;
  // Pages this cache refers to (shared or not).
  int pages() const { return static_cast<int>(table_.size()); }
  // Pages this cache has copied so far (by Fork, CopyFrom or copy on write).
  int copied_pages() const { return copied_pages_; }
  size_t page_bytes() const;

 private:
  KvCache(const KvCache& family, int capacity);  // empty, sharing family's pool
  const float* Row(int layer, int kind, int head, int pos) const;
  float* MutableRow(int layer, int kind, int head, int pos);
  size_t RowOffset(int layer, int kind, int head, int pos) const {
    const size_t block = (static_cast<size_t>(layer) * 2 + kind) * n_heads_ + head;
    return (block * page_positions_ + pos % page_positions_) * head_dim_;
  }
  // A fresh page of the pool holding the first `rows` positions of page `src`.
  int CopyPage(int src, int rows);
  void ShareFrom(const KvCache& other, int n);
  void ReleaseFrom(int first_page);

  int n_layers_;
  int n_heads_;
  int head_dim_;
  int capacity_;
  int page_positions_;
  int size_ = 0;
  int copied_pages_ = 0;
  std::shared_ptr<PagePool> pool_;
  std::vector<int> table_;  // page ids of positions [i * page_positions, (i + 1) * page_positions)
};

}  // namespace entropix
