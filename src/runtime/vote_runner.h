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
  // Scheduler steps run so far (each one ForwardBatch).
  int steps() const { return steps_; }

 private:
  Scheduler scheduler_;
  VoteTraces traces_;
  int steps_ = 0;
};

}  // namespace entropix
