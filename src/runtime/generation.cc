#include "runtime/generation.h"

namespace entropix {

const char* StopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kEndOfGeneration: return "end of generation";
    case StopReason::kMaxTokens: return "token limit";
    case StopReason::kContextFull: return "context full";
    case StopReason::kCancelled: return "cancelled";
  }
  return "?";
}

AttentionStatsView ViewOf(const AttentionStats& s) {
  return {s.n_layers, s.n_heads, s.entropy_bits, s.varentropy_bits, s.mean_abs_score, s.agreement};
}

}  // namespace entropix
