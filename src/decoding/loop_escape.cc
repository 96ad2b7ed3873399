#include "decoding/loop_escape.h"

namespace entropix {

TrailingLoop FindTrailingLoop(std::span<const int32_t> t, const LoopRule& rule) {
  const int len = static_cast<int>(t.size());
  for (int n = 1; n <= rule.max_period; ++n) {
    if (n * rule.min_repeats > len) break;
    // The length of the longest n-periodic suffix.
    int tail = n;
    while (tail < len && t[len - 1 - tail] == t[len - 1 - tail + n]) ++tail;
    if (tail >= n * rule.min_repeats && tail >= rule.min_tail) return {n, len - tail + n};
  }
  return {};
}

}  // namespace entropix
