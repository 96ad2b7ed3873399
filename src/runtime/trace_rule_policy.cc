#include "runtime/trace_rule_policy.h"

#include "core/error.h"

namespace entropix {

Decision TraceRulePolicy::Decide(const StepInput& in, CandidateSet& /*scratch*/, Rng& rng) const {
  ENTROPIX_CHECK(in.logit != nullptr);
  const TokenRule& rule = in.response.empty() ? first_ : rest_;
  Decision d;
  d.token = ChooseToken(in.logits, *in.logit, rule, rng, scratch_);
  if (rule.kind == TokenRule::Kind::kSample) {
    d.action = Action::kSample;
    d.params = rule.params;
  }
  return d;
}

}  // namespace entropix
