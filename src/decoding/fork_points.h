// Where to fork a trace, and with which ranked token.
//
// Entropy rule (the entropix thesis: spend exploration where the model is
// unsure): the greedy trace's positions by descending entropy, skipping the
// answer span (forking inside the answer only re-rolls digits of a reasoning
// that is already done) and keeping a minimum gap between forks, so that two
// forks do not explore the same hesitation. Position 0 comes first when
// include_first: it is CoT-decoding's fork (arXiv 2402.10200). The random
// rule applies the same constraints to a random order: comparing the two at
// equal compute is the ablation that tests the thesis.
#pragma once

#include <span>
#include <vector>

#include "decoding/token_spans.h"
#include "decoding/vote_profile.h"
#include "sampling/rng.h"

namespace entropix {

struct ForkPoint {
  int position = 0;  // response token index where the fork differs from its parent
  int rank = 2;      // the rank of the token it puts there (2: second most probable)
};

// Up to `count` fork points of a trace with these per-token signals, in the
// order they should run. Positions whose margin is 1 (no other token has any
// probability) are never forks. kIndependentSample plans none (its traces
// are not forks); kFirstToken plans position 0 with ranks 2, 3, ...
// `rng` is used by kRandom only.
std::vector<ForkPoint> PlanForks(std::span<const float> entropy_bits, std::span<const float> margin,
                                 const ForkParams& params, TokenRange answer, int count, Rng& rng);

// The first `count` fork points a rule plans whatever the trace (kFirstToken:
// position 0 with ranks 2, 3, ...); empty for the rules that read the trace.
std::vector<ForkPoint> PlannedAhead(const ForkParams& params, int count);

}  // namespace entropix
