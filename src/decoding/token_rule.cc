#include "decoding/token_rule.h"

#include <cmath>

#include "core/error.h"

namespace entropix {
namespace {

int32_t Ranked(std::span<const float> logits, const LogitStats& stats, int rank, CandidateSet& c) {
  ENTROPIX_CHECK(rank >= 1);
  if (rank == 1 || static_cast<size_t>(rank) >= logits.size()) return stats.argmax;
  if (rank == 2) return stats.second_index >= 0 ? stats.second_index : stats.argmax;
  // top-k selection sorts its k survivors in descending order, ties to the lower id.
  c.Filter(logits, SamplingParams{1.0, rank, 1.0, 0.0});
  const auto kept = c.candidates();
  const CandidateSet::Candidate& r = kept[static_cast<size_t>(rank) - 1];
  return std::isinf(r.logit) ? stats.argmax : r.id;
}

int32_t Sampled(std::span<const float> logits, const LogitStats& stats, const TokenRule& rule, Rng& rng,
                TokenRuleScratch& s) {
  if (!rule.exclude_greedy) return SampleToken(logits, rule.params, rng, s.candidates);
  if (stats.second_index < 0) return stats.argmax;  // nothing else has any probability
  s.masked.assign(logits.begin(), logits.end());
  s.masked[stats.argmax] = -INFINITY;
  // At temperature 0 the draw is the argmax of the rest: the runner-up.
  if (rule.params.temperature <= 0.0) return stats.second_index;
  return SampleToken(s.masked, rule.params, rng, s.candidates);
}

}  // namespace

int32_t ChooseToken(std::span<const float> logits, const LogitStats& stats, const TokenRule& rule, Rng& rng,
                    TokenRuleScratch& scratch) {
  switch (rule.kind) {
    case TokenRule::Kind::kGreedy: return stats.argmax;
    case TokenRule::Kind::kRanked: return Ranked(logits, stats, rule.rank, scratch.candidates);
    case TokenRule::Kind::kSample: return Sampled(logits, stats, rule, rng, scratch);
  }
  return stats.argmax;
}

}  // namespace entropix
