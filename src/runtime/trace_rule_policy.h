// The Policy a vote trace decodes with: its request's `first` TokenRule for
// the first token the sequence chooses, `rest` for every later one
// (decoding/trace_request.h). A fork's sequence starts at the fork position,
// so its first decision is the fork token; a trace from the prompt starts at
// response index 0. ChooseToken (decoding/token_rule.h) carries the rule
// out, so this host forks exactly as every other host does.
#pragma once

#include "decoding/token_rule.h"
#include "decoding/trace_request.h"
#include "sampling/policy.h"

namespace entropix {

class TraceRulePolicy final : public Policy {
 public:
  TraceRulePolicy(const TokenRule& first, const TokenRule& rest) : first_(first), rest_(rest) {}
  const char* name() const override { return "vote-trace"; }
  bool needs_logit_stats() const override { return true; }
  SamplingParams base_params() const override { return rest_.params; }
  Decision Decide(const StepInput& in, CandidateSet& scratch, Rng& rng) const override;

 private:
  TokenRule first_, rest_;
  // One policy per trace, used by one thread at a time (the scheduler's, or
  // a pool thread in Sequence::PrepareDecision): the scratch is reused
  // across that trace's tokens (no per-token allocation).
  mutable TokenRuleScratch scratch_;
};

}  // namespace entropix
