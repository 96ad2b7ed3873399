// The vote strategy's traces on the sequence scheduler (issue 10): a
// TraceHost whose RunBatch runs every request of a batch as one sequence of
// the same Scheduler, so each step is one ForwardBatch over all the forks.
// How a request becomes a sequence (forks of finished traces, the whole
// response in each result) is VoteTraces (vote_traces.h).
#pragma once

#include <atomic>
#include <map>
#include <span>
#include <vector>

#include "decoding/trace_host.h"
#include "runtime/scheduler.h"
#include "runtime/vote_traces.h"

namespace entropix {

struct VoteHostOptions {
  int max_tokens = 256;  // cap on a whole response (the reused prefix included)
  int max_rows = 32;     // token rows per scheduler step
  const std::atomic<bool>* cancel = nullptr;  // set: every trace stops (kOther)
  bool speculate = true;  // start Speculate's forks beside the greedy trace
};

class SchedulerTraceHost final : public TraceHost {
 public:
  // Traces continue `prompt`; their caches hold prompt + max_tokens + 1
  // positions (capped by the model's context).
  SchedulerTraceHost(const Model& model, const Tokenizer& tokenizer, ThreadPool& pool,
                     std::span<const int32_t> prompt, const VoteHostOptions& options);
  ~SchedulerTraceHost() override;

  // Streams trace `id`'s text as it is decoded (the CLI's first trace).
  void StreamTrace(int id, TextCallback on_text) { traces_.StreamTrace(id, std::move(on_text)); }
  std::vector<TraceResult> RunBatch(const std::vector<TraceRequest>& batch) override;
  // Speculation: the requests (forks at position 0 of trace 0, or samples)
  // start beside the next batch, a fork once trace 0's sequence has its
  // prompt cached; a later request that does the same work (SameWork) is
  // served by the speculative trace, running or finished. Every trace's
  // tokens are what they would be unspeculated (a sequence does not depend
  // on its step-mates, and a fork of the running greedy sequence at the
  // prompt equals one of the finished sequence), so the vote's outcome is
  // unchanged; only wall time and, when a speculative trace is never asked
  // for (the gate passed), compute change.
  void Speculate(std::vector<TraceRequest> requests) override;
  // Cancels the speculative traces no request took; returns the
  // token-steps they cost (compute the vote spent on nothing).
  int64_t EndSpeculation();
  // Scheduler steps run so far (each one ForwardBatch).
  int steps() const { return steps_; }

 private:
  struct Speculative {
    TraceRequest request;  // its key in traces_ is request.id, negative
    int sequence = -1;     // -1: not started yet
    bool finished = false;
  };
  void StartSpeculative(const std::map<int, int>& trace_of);
  const Speculative* Serve(const TraceRequest& r);

  Scheduler scheduler_;
  VoteTraces traces_;
  std::vector<Speculative> speculative_;
  bool speculate_;
  int prompt_tokens_;
  int next_key_ = 0;
  int steps_ = 0;
};

}  // namespace entropix
