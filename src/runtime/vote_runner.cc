#include "runtime/vote_runner.h"

namespace entropix {
namespace {

SchedulerOptions HostSchedulerOptions(std::span<const int32_t> prompt, const VoteHostOptions& o) {
  SchedulerOptions so;
  // Each trace owns a cache (deep copies on fork): size it for one response, not the model's context.
  so.context = static_cast<int>(prompt.size()) + o.max_tokens + 1;
  so.max_rows = o.max_rows;
  return so;
}

}  // namespace

SchedulerTraceHost::SchedulerTraceHost(const Model& model, const Tokenizer& tokenizer, ThreadPool& pool,
                                       std::span<const int32_t> prompt, const VoteHostOptions& options)
    : scheduler_(model, &tokenizer, pool, HostSchedulerOptions(prompt, options)),
      traces_(tokenizer, prompt, options.max_tokens, options.cancel) {}

SchedulerTraceHost::~SchedulerTraceHost() = default;

std::vector<TraceResult> SchedulerTraceHost::RunBatch(const std::vector<TraceRequest>& batch) {
  std::map<int, int> trace_of;  // scheduler sequence id -> trace id
  for (const TraceRequest& r : batch) trace_of[traces_.Start(scheduler_, r)] = r.id;
  // All of the batch in the same steps: one ForwardBatch per step.
  while (scheduler_.Step() > 0) ++steps_;
  for (std::unique_ptr<Sequence>& s : scheduler_.TakeFinished()) {
    const int id = trace_of.at(s->id());
    traces_.Finish(id, std::move(s));
  }
  std::vector<TraceResult> out;
  out.reserve(batch.size());
  for (const TraceRequest& r : batch) out.push_back(traces_.result(r.id));
  return out;
}

}  // namespace entropix
