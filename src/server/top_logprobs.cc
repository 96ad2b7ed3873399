#include "server/top_logprobs.h"

#include <algorithm>

namespace entropix::server {

std::vector<std::pair<int32_t, double>> TopLogprobs(std::span<const float> logits, const LogitStats& stats, int k) {
  const size_t n = std::min(static_cast<size_t>(std::max(k, 0)), logits.size());
  if (n == 0) return {};
  // A min-heap of the best n seen so far: one pass over [vocab_size] logits.
  // "a before b" means a is the better token (higher logit, then lower id).
  auto better = [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::vector<int32_t> heap;
  heap.reserve(n + 1);
  for (int32_t i = 0; i < static_cast<int32_t>(logits.size()); ++i) {
    if (heap.size() < n) {
      heap.push_back(i);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(i, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = i;
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::sort(heap.begin(), heap.end(), better);
  std::vector<std::pair<int32_t, double>> out;
  out.reserve(n);
  for (const int32_t t : heap) out.emplace_back(t, stats.LogProb(logits[t]));
  return out;
}

}  // namespace entropix::server
