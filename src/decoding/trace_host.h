// The synchronous face of the vote strategy: a host that decodes a batch of
// trace requests and returns their results. The scheduler can implement
// this, or drive VoteStrategy::NextBatch/Finish itself; tests fake it.
#pragma once

#include <vector>

#include "decoding/trace_request.h"
#include "decoding/vote_strategy.h"

namespace entropix {

class TraceHost {
 public:
  virtual ~TraceHost() = default;
  // One result per request, in any order.
  virtual std::vector<TraceResult> RunBatch(const std::vector<TraceRequest>& batch) = 0;
  // Requests the strategy will probably make later (VoteStrategy::
  // SpeculativeBatch); a host may start them with the next batch and serve
  // later requests that do the same work from them. Default: ignored.
  virtual void Speculate(std::vector<TraceRequest> requests) { (void)requests; }
};

// Runs `strategy` to its end on `host` (offering it the strategy's
// speculative batch); returns its outcome.
const VoteOutcome& RunVote(VoteStrategy& strategy, TraceHost& host);

}  // namespace entropix
