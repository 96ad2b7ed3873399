// Every knob of gated forking with confidence-weighted voting, as one
// profile stored as JSON ("entropix-vote-profile/1"). Strict like the sampler
// profiles (sampling/profile.h): unknown keys, wrong types, non-finite or
// out-of-range values are errors naming the field. The defaults are a
// starting point; the thresholds are meant to be fitted on dev pools
// (issue 10, MULTI_TRACE_NOTES.md C2 for the knobs and their sources).
#pragma once

#include <string>
#include <string_view>

#include "decoding/loop_escape.h"
#include "decoding/trace_signals.h"
#include "sampling/transforms.h"

namespace entropix {

// Where forks start.
enum class ForkRule {
  kEntropy,            // the highest-entropy positions of the greedy trace
  kFirstToken,         // position 0 with the 2nd, 3rd, ... ranked tokens (CoT-decoding)
  kRandom,             // positions drawn at random under the same constraints (ablation)
  kIndependentSample,  // no fork: independent samples from the prompt (self-consistency; ablation)
};
// The token a fork puts at its position.
enum class ForkToken {
  kSecond,   // the second-ranked token
  kSampled,  // a draw with `sample` settings from all tokens but the greedy one
};
// How a fork continues after its first token.
enum class Continuation { kGreedy, kSampled };
// How much a trace's answer counts.
enum class VoteWeight {
  kUniform,     // 1 (self-consistency)
  kConfidence,  // exp(beta * (C - C_max)) (CISC / DeepConf)
  kMargin,      // the answer-span margin (CoT-decoding's aggregation)
};

struct VoteBudget {
  int max_traces = 6;          // traces in all, the greedy one included
  int batch = 2;               // forks proposed at once
  int max_forward_tokens = 0;  // forward token-steps over all traces; 0: no limit
};

struct VoteGate {
  double answer_margin = 0.5;     // greedy is kept when its answer-span margin >= this ...
  double trace_confidence = -1.0;  // ... and its trace confidence >= this (units of the confidence)
  bool require_answer = true;     // a greedy trace without an answer never passes
};

struct ConfidenceParams {
  TokenConfidence token = TokenConfidence::kNegEntropy;
  TraceConfidenceRule rule = TraceConfidenceRule::kLowestWindow;
  int window = 32;  // tokens
};

struct ForkParams {
  ForkRule rule = ForkRule::kEntropy;
  int min_gap = 8;             // tokens between any two fork positions
  bool include_first = true;   // position 0 is always a fork (CoT-decoding's)
  ForkToken token = ForkToken::kSecond;
  Continuation continuation = Continuation::kGreedy;
  bool loop_escape = true;     // a trace ending in a loop forks back to the loop's start
};

struct VoteParams {
  VoteWeight weight = VoteWeight::kConfidence;
  double beta = 1.0;            // kConfidence: per unit of trace confidence
  double keep_top_share = 1.0;  // vote with the ceil(share * n) most confident traces only
  double stop_share = 0.6;      // stop when the leader holds >= this share of the weight ...
  int min_agreeing = 2;         // ... with at least this many traces behind it
};

struct VoteProfile {
  std::string name;
  std::string description;
  VoteBudget budget;
  VoteGate gate;
  ConfidenceParams confidence;
  // How `run` and the server read an answer (they have no task): strict, the
  // number after the last \boxed{}, "the answer is", "Final answer:" or
  // "####"; a reply without one (an open-ended prompt) has no answer, and
  // the vote falls back to best-of-N by confidence. false: also the last
  // number anywhere. In eval, pools and replay the task's rule decides
  // (Task::VoteAnswerRule) and this field is not used.
  bool answer_require_marker = true;
  ForkParams fork;
  SamplingParams sample{0.7, 0, 0.95, 0.0};  // sampled fork tokens, continuations and independent samples
  VoteParams vote;
  LoopRule loop;
};

// Throws Error(kCorruptFile) naming `source` and the field.
VoteProfile ParseVoteProfile(std::string_view json_text, std::string_view source);
std::string VoteProfileToJson(const VoteProfile& p);  // pretty-printed; parses back to the same profile

const char* ForkRuleName(ForkRule r);
const char* VoteWeightName(VoteWeight w);

}  // namespace entropix
