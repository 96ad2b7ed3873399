// The vote strategy's traces on the sequence scheduler (issue 10): a
// TraceHost whose RunBatch runs every request of a batch as one sequence of
// the same Scheduler, so each step is one ForwardBatch over all the forks.
// How a request becomes a sequence (forks of finished traces, the whole
// response in each result) is VoteTraces (vote_traces.h).
#pragma once

#include <atomic>
#include <map>
#include <optional>
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
  // Speculation, before the first batch (the greedy trace): the requests
  // (forks at position 0 of trace 0, or samples from the prompt) start
  // beside it, a fork once trace 0's sequence has its prompt cached. The
  // next batch's requests that do the same work (SameWork) are served by
  // these traces, running or finished; the ones it does not take are
  // cancelled then. Every trace's tokens are what they would be
  // unspeculated (a sequence does not depend on its step-mates, and a fork
  // of the running greedy sequence at the prompt equals one of the finished
  // sequence), so the vote's outcome is unchanged; only wall time and, for
  // unused traces (the gate passed), compute change.
  void Speculate(std::vector<TraceRequest> requests) override;
  // Cancels the speculative traces still unused; returns the token-steps
  // every unused one cost (compute the vote spent on nothing).
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
  std::optional<Speculative> Serve(const TraceRequest& r);
  int64_t DropSpeculative();
  bool Cancelled() const;

  Scheduler scheduler_;
  VoteTraces traces_;
  std::vector<Speculative> speculative_;
  const std::atomic<bool>* cancel_;
  bool speculate_;
  int prompt_tokens_;
  int next_key_ = 0;
  int batches_ = 0;       // RunBatch calls so far
  int64_t wasted_ = 0;    // token-steps of speculative traces dropped so far
  int steps_ = 0;
};

}  // namespace entropix
