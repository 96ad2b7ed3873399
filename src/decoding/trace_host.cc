#include "decoding/trace_host.h"

#include "core/error.h"

namespace entropix {

const VoteOutcome& RunVote(VoteStrategy& strategy, TraceHost& host) {
  for (auto batch = strategy.NextBatch(); !batch.empty(); batch = strategy.NextBatch()) {
    if (std::vector<TraceRequest> ahead = strategy.SpeculativeBatch(); !ahead.empty()) {
      host.Speculate(std::move(ahead));
    }
    std::vector<TraceResult> results = host.RunBatch(batch);
    ENTROPIX_CHECK(results.size() == batch.size());
    for (TraceResult& r : results) strategy.Finish(std::move(r));
  }
  return strategy.outcome();
}

}  // namespace entropix
