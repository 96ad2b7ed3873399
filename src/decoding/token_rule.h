// Carries out a TokenRule (trace_request.h) on one step's logits: the one
// place that says what "the second-ranked token" or "a draw excluding the
// greedy token" means, so every host forks the same way.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "decoding/trace_request.h"
#include "sampling/metrics.h"
#include "sampling/rng.h"
#include "sampling/transforms.h"

namespace entropix {

// Scratch buffers reused across calls (no allocation once grown).
struct TokenRuleScratch {
  CandidateSet candidates;
  std::vector<float> masked;  // [vocab_size] logits with the argmax removed
};

// The token `rule` picks from `logits`; `stats` is ComputeLogitStats(logits).
//   kGreedy: stats.argmax.
//   kRanked: the rank-th in descending logit order, ties to the lower id
//            (rank 2 is stats.second_index); the argmax when rank >=
//            vocab_size or the rank-th token's logit is -inf (masked).
//   kSample: a draw with rule.params from `rng`; with exclude_greedy the
//            argmax is masked first (the argmax itself when nothing else is
//            left).
int32_t ChooseToken(std::span<const float> logits, const LogitStats& stats, const TokenRule& rule, Rng& rng,
                    TokenRuleScratch& scratch);

}  // namespace entropix
