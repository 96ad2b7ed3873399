// What the vote strategy asks of the engine, and what it gets back: the
// whole contract between decoding/ and the sequence scheduler that runs the
// traces (runtime). Nothing here touches a model; tests fake the host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sampling/transforms.h"

namespace entropix {

// How one token is chosen from the distribution at its position
// (ChooseToken in token_rule.h carries it out).
struct TokenRule {
  enum class Kind {
    kGreedy,  // the argmax
    kRanked,  // the `rank`-th most probable token (2: the runner-up; ties to the lower id)
    kSample,  // a draw with `params` (temperature -> top-k -> top-p -> min-p)
  };
  Kind kind = Kind::kGreedy;
  int rank = 1;
  bool exclude_greedy = false;  // kSample: the argmax is removed before the draw
  SamplingParams params;
};

// One trace to decode. Its first `fork_position` response tokens are the
// parent's (reuse the parent's KV cache for them: they cost no forward
// steps); the token at fork_position follows `first`, every later one
// `rest`, until end of generation or the host's token cap.
struct TraceRequest {
  int id = 0;
  int parent = -1;        // -1: starts from the prompt (then fork_position is 0)
  int fork_position = 0;
  TokenRule first;
  TokenRule rest;
  uint64_t seed = 0;      // seeds this trace's generator when a rule samples
  std::string origin;     // "greedy", "entropy", "first_token", "random", "sample", "loop_escape"
};

enum class TraceEnd {
  kEndOfGeneration,  // the model ended it: the only clean end
  kLength,           // the token cap
  kLoop,             // a host stopped a repetition loop early (none does yet: a loop
                     // runs to the cap and ends as kLength; the strategy finds it after)
  kOther,            // context full, cancelled, ...
};

// A finished trace, describing the WHOLE response (the reused prefix
// included, identical to the parent's first fork_position tokens and
// signals). Per-token arrays have one entry per token.
struct TraceResult {
  int id = 0;
  std::vector<int32_t> tokens;
  std::vector<std::string> pieces;   // text the streaming decoder emitted per token
  std::vector<int> held_bytes;       // StreamingDecoder::pending_bytes() after each token; may be empty
  std::vector<float> entropy_bits;   // H of the distribution each token was chosen from
  std::vector<float> margin;         // its p1 - p2 (LogitStats::margin)
  std::vector<float> logprob;        // natural log-probability of the chosen token (untempered)
  TraceEnd end = TraceEnd::kEndOfGeneration;
  int64_t forward_tokens = 0;        // token-steps this trace cost (prompt and reused prefix excluded)
};

const char* TraceEndName(TraceEnd e);

// The same token rule (for kSample: the same parameters).
bool SameRule(const TokenRule& a, const TokenRule& b);
// Would a and b decode the same trace? The same parent, fork position and
// rules, and the same seed when a rule samples (id and origin aside).
bool SameWork(const TraceRequest& a, const TraceRequest& b);

}  // namespace entropix
