#include "runtime/vote_runner.h"

#include "core/error.h"

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
      traces_(tokenizer, prompt, options.max_tokens, options.cancel),
      speculate_(options.speculate),
      prompt_tokens_(static_cast<int>(prompt.size())) {}

SchedulerTraceHost::~SchedulerTraceHost() = default;

std::vector<TraceResult> SchedulerTraceHost::RunBatch(const std::vector<TraceRequest>& batch) {
  std::map<int, int> trace_of;  // running sequence id -> trace id, of this batch
  for (const TraceRequest& r : batch) {
    if (const Speculative* s = Serve(r)) {
      if (!s->finished) trace_of[s->sequence] = r.id;
    } else {
      trace_of[traces_.Start(scheduler_, r)] = r.id;
    }
  }
  std::erase_if(speculative_, [](const Speculative& s) { return s.request.id >= 0; });  // served
  StartSpeculative(trace_of);
  // All of the batch in the same steps (one ForwardBatch each), with the
  // speculative traces beside it.
  size_t running = trace_of.size();
  while (running > 0) {
    ENTROPIX_CHECK(scheduler_.Step() > 0);
    ++steps_;
    for (std::unique_ptr<Sequence>& s : scheduler_.TakeFinished()) {
      if (auto it = trace_of.find(s->id()); it != trace_of.end()) {
        traces_.Finish(it->second, std::move(s));
        --running;
        continue;
      }
      for (Speculative& sp : speculative_) {
        if (sp.sequence != s->id()) continue;
        traces_.Finish(sp.request.id, std::move(s));
        sp.finished = true;
        break;
      }
    }
    StartSpeculative(trace_of);
  }
  std::vector<TraceResult> out;
  out.reserve(batch.size());
  for (const TraceRequest& r : batch) out.push_back(traces_.result(r.id));
  return out;
}

void SchedulerTraceHost::Speculate(std::vector<TraceRequest> requests) {
  if (!speculate_) return;
  for (TraceRequest& r : requests) {
    const bool at_prompt = r.parent < 0 || (r.parent == 0 && r.fork_position == 0);
    if (!at_prompt) continue;
    r.id = -1 - next_key_++;  // its own key until a request takes it (never reused)
    speculative_.push_back({std::move(r)});
  }
}

// Samples start at once; forks once trace 0 (running in this batch) has its
// prompt cached.
void SchedulerTraceHost::StartSpeculative(const std::map<int, int>& trace_of) {
  int parent = -1;
  for (const auto& [sequence, trace] : trace_of) parent = trace == 0 ? sequence : parent;
  const Sequence* p = parent >= 0 ? scheduler_.Find(parent) : nullptr;
  const bool prompt_cached = p != nullptr && p->cache() != nullptr && p->cache()->size() >= prompt_tokens_;
  for (Speculative& s : speculative_) {
    if (s.sequence >= 0) continue;
    if (s.request.parent < 0) {
      s.sequence = traces_.Start(scheduler_, s.request);
    } else if (prompt_cached) {
      s.sequence = traces_.StartBeside(scheduler_, s.request, parent);
    }
  }
}

// The started speculative trace that does r's work, now trace r.id; null
// when there is none (it is then marked served by its non-negative id).
const SchedulerTraceHost::Speculative* SchedulerTraceHost::Serve(const TraceRequest& r) {
  for (Speculative& s : speculative_) {
    if (s.sequence < 0 || s.request.id >= 0 || !SameWork(s.request, r)) continue;
    traces_.Adopt(s.request.id, r);
    s.request.id = r.id;
    return &s;
  }
  return nullptr;
}

int64_t SchedulerTraceHost::EndSpeculation() {
  int64_t wasted = 0;
  for (const Speculative& s : speculative_) {
    if (s.sequence < 0) continue;
    if (s.request.parent < 0) wasted += prompt_tokens_;
    if (s.finished) {
      wasted += traces_.result(s.request.id).forward_tokens;
    } else if (const Sequence* q = scheduler_.Find(s.sequence)) {
      wasted += static_cast<int64_t>(q->result().tokens.size());  // one token-step per token so far
      scheduler_.Cancel(s.sequence);
    }
  }
  speculative_.clear();
  scheduler_.TakeFinished();  // the cancelled ones
  return wasted;
}

}  // namespace entropix
