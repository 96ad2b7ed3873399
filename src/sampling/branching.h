// Entropy-gated branching (SAMPLER.md section 5): at a step where H and V
// are both high, roll out N continuations with distinct first tokens, score
// each, and keep the best.
//
// The algorithm is separate from the model: a BranchHost feeds tokens and
// saves/restores the sequence state. The session's host (runtime/rollout.cc)
// rolls every branch out in the main KV cache, copies the running best's own
// positions into a second cache (KvCache::CopyFrom from the branch point) and
// copies the winner back at the end: no replay forward passes, and only
// branch positions are ever copied.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sampling/metrics.h"
#include "sampling/profile.h"
#include "sampling/rng.h"
#include "sampling/transforms.h"

namespace entropix {

class BranchHost {
 public:
  virtual ~BranchHost() = default;
  // Appends `token` to the current branch; returns the logits after it.
  virtual std::span<const float> Step(int32_t token) = 0;
  // Starts the next branch from the branch point.
  virtual void Rewind() = 0;
  // Remembers the current branch (its state and last logits) as the best so far.
  virtual void KeepAsBest() = 0;
  // Makes the best branch the current state. `best_is_current`: the last
  // rolled-out branch is the best one (nothing to copy).
  virtual void CommitBest(bool best_is_current) = 0;
  // End of generation: the branch stops, the token is kept but not fed.
  virtual bool IsEnd(int32_t token) const = 0;
  // A delimiter ends the branch after this token (it is fed).
  virtual bool IsDelimiter(int32_t token) const = 0;
};

struct BranchRollout {
  std::vector<int32_t> tokens;
  std::vector<double> logprobs;    // natural log, under the untempered distribution
  std::vector<double> entropy;     // bits, of the distribution each token was drawn from
  std::vector<double> varentropy;  // bits^2
  double score = 0.0;
  int forwards = 0;                // Step calls
  bool ended_by_end = false;       // stopped at end of generation
};

struct BranchOutcome {
  std::vector<BranchRollout> branches;
  int winner = 0;
  int forwards = 0;        // all Step calls
  int extra_forwards = 0;  // forwards - winner's forwards: the price of branching
};

// `logits`/`stats`: the step where branching fires. `base`: the rollout
// sampler (also the distribution the distinct first tokens are drawn from,
// without replacement). `max_tokens` may be lowered by the caller to what
// the context has room for.
BranchOutcome RunBranches(std::span<const float> logits, const LogitStats& stats,
                          const SamplingParams& base, const BranchParams& params, int max_tokens,
                          BranchHost& host, CandidateSet& scratch, Rng& rng);

}  // namespace entropix
