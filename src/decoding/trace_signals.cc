#include "decoding/trace_signals.h"

#include <algorithm>
#include <vector>

#include "core/error.h"

namespace entropix {

double TokenConfidenceAt(const TokenSignals& s, TokenConfidence kind, size_t i) {
  switch (kind) {
    case TokenConfidence::kNegEntropy: return -static_cast<double>(s.entropy_bits[i]);
    case TokenConfidence::kLogprob: return s.logprob[i];
    case TokenConfidence::kMargin: return s.margin[i];
  }
  return 0.0;
}

double MeanOf(std::span<const double> c) {
  if (c.empty()) return 0.0;
  double sum = 0.0;
  for (double x : c) sum += x;
  return sum / static_cast<double>(c.size());
}

double LowestWindowMean(std::span<const double> c, int window) {
  ENTROPIX_CHECK(window >= 1);
  const size_t w = static_cast<size_t>(window);
  if (c.size() <= w) return MeanOf(c);
  // Each window's sum is recomputed rather than slid, so no rounding drifts
  // along a long trace (O(n * w), trivial next to decoding the trace).
  double lowest = MeanOf(c.subspan(0, w));
  for (size_t i = 1; i + w <= c.size(); ++i) lowest = std::min(lowest, MeanOf(c.subspan(i, w)));
  return lowest;
}

double TraceConfidence(const TokenSignals& s, TokenConfidence kind, TraceConfidenceRule rule, int window) {
  const size_t n = s.entropy_bits.size();
  std::vector<double> c(n);
  for (size_t i = 0; i < n; ++i) c[i] = TokenConfidenceAt(s, kind, i);
  return rule == TraceConfidenceRule::kMean ? MeanOf(c) : LowestWindowMean(c, window);
}

double AnswerSpanMargin(std::span<const float> margin, TokenRange range) {
  if (range.empty()) return 0.0;
  ENTROPIX_CHECK(range.begin >= 0 && static_cast<size_t>(range.end) <= margin.size());
  double sum = 0.0;
  for (int i = range.begin; i < range.end; ++i) sum += margin[i];
  return sum / (range.end - range.begin);
}

}  // namespace entropix
