// One vote (VoteStrategy over VoteTraces) on a scheduler the caller owns and
// steps among other work: the server's engine thread runs a vote's traces
// as sequences of the same batched steps as every other request, instead of
// a private scheduler behind a lock. It gives the outcome RunVote over a
// SchedulerTraceHost gives (a sequence's tokens do not depend on its
// step-mates; the strategy sees each batch's results in request order).
//
//   VoteRun v(tokenizer, prompt, profile, seed, max_tokens);
//   v.StartBatch(scheduler);                     // the greedy trace
//   loop: scheduler.Step(); for each finished sequence s of v's:
//           if (v.Finish(std::move(s))) v.StartBatch(scheduler);
//   until v.stopped(): v.strategy().outcome()
#pragma once

#include <map>
#include <memory>
#include <span>
#include <vector>

#include "decoding/vote_strategy.h"
#include "runtime/vote_traces.h"

namespace entropix {

class VoteRun {
 public:
  // The answer hook is the CLI's (`run --sampler vote`): final numbers.
  VoteRun(const Tokenizer& tokenizer, std::span<const int32_t> prompt, VoteProfile profile, uint64_t seed,
          int max_tokens);

  // Adds the strategy's next batch to `scheduler`; returns the sequence ids
  // (empty: the strategy has stopped). The previous batch must be finished.
  std::vector<int> StartBatch(Scheduler& scheduler);
  // Is sequence `id` one of this vote's running traces?
  bool Owns(int id) const { return trace_of_.count(id) > 0; }
  // One of its sequences finished (from TakeFinished). True when it was the
  // batch's last: the strategy has seen the batch; call StartBatch.
  bool Finish(std::unique_ptr<Sequence> sequence);
  // Sequence ids of the batch still running.
  std::vector<int> running() const;

  bool stopped() const { return strategy_.stopped(); }
  const VoteStrategy& strategy() const { return strategy_; }
  const TraceResult& trace(int id) const { return strategy_.trace(id); }

 private:
  VoteTraces traces_;
  VoteStrategy strategy_;
  std::vector<TraceRequest> batch_;
  std::map<int, int> trace_of_;  // running sequence id -> trace id
};

}  // namespace entropix
