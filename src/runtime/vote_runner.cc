#include "runtime/vote_runner.h"

#include <algorithm>

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
      cancel_(options.cancel),
      speculate_(options.speculate),
      prompt_tokens_(static_cast<int>(prompt.size())) {}

SchedulerTraceHost::~SchedulerTraceHost() = default;

std::vector<TraceResult> SchedulerTraceHost::RunBatch(const std::vector<TraceRequest>& batch) {
  std::map<int, int> trace_of;  // running sequence id -> trace id, of this batch
  for (const TraceRequest& r : batch) {
    if (const std::optional<Speculative> s = batches_ == 1 ? Serve(r) : std::nullopt) {
      if (!s->finished) trace_of[s->sequence] = r.id;
    } else {
      trace_of[traces_.Start(scheduler_, r)] = r.id;
    }
  }
  // Only the batch after the greedy one is served; what it did not take is waste.
  if (batches_++ == 1) wasted_ += DropSpeculative();
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
      auto sp = std::find_if(speculative_.begin(), speculative_.end(),
                             [&](const Speculative& x) { return x.sequence == s->id(); });
      ENTROPIX_CHECK(sp != speculative_.end());
      traces_.Finish(sp->request.id, std::move(s));
      sp->finished = true;
    }
    StartSpeculative(trace_of);
  }
  std::vector<TraceResult> out;
  out.reserve(batch.size());
  for (const TraceRequest& r : batch) out.push_back(traces_.result(r.id));
  return out;
}

void SchedulerTraceHost::Speculate(std::vector<TraceRequest> requests) {
  if (!speculate_ || batches_ > 0 || Cancelled()) return;  // only beside the greedy batch
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

// The started speculative trace that does r's work, now trace r.id (taken
// out of speculative_); null when there is none. Nothing is served once the
// vote is cancelled: a cancelled request must not get a speculative trace's
// tokens.
std::optional<SchedulerTraceHost::Speculative> SchedulerTraceHost::Serve(const TraceRequest& r) {
  if (Cancelled()) return std::nullopt;
  for (auto it = speculative_.begin(); it != speculative_.end(); ++it) {
    if (it->sequence < 0 || !SameWork(it->request, r)) continue;
    traces_.Adopt(it->request.id, r);
    Speculative s = *it;
    speculative_.erase(it);
    return s;
  }
  return std::nullopt;
}

// Cancels every speculative trace left and returns the token-steps they
// cost: a fork its re-fed token and its passes, a sample its prompt rows and
// its passes (as a finished trace's forward_tokens count them).
int64_t SchedulerTraceHost::DropSpeculative() {
  int64_t wasted = 0;
  for (const Speculative& s : speculative_) {
    if (s.sequence < 0) continue;
    const bool sample = s.request.parent < 0;
    if (s.finished) {
      wasted += traces_.result(s.request.id).forward_tokens + (sample ? prompt_tokens_ : 0);
    } else if (const Sequence* q = scheduler_.Find(s.sequence)) {
      const GenerationResult& g = q->result();
      if (sample) {
        wasted += g.tokens.empty() ? prompt_tokens_ - q->pending_tokens() : prompt_tokens_ + g.forward_passes;
      } else {
        wasted += g.tokens.empty() ? 0 : g.forward_passes + 1;
      }
      scheduler_.Cancel(s.sequence);
    }
    traces_.Forget(s.request.id);
  }
  speculative_.clear();
  scheduler_.TakeFinished();  // the cancelled ones
  return wasted;
}

int64_t SchedulerTraceHost::EndSpeculation() {
  const int64_t wasted = wasted_ + DropSpeculative();
  wasted_ = 0;
  return wasted;
}

bool SchedulerTraceHost::Cancelled() const { return cancel_ != nullptr && cancel_->load(); }

}  // namespace entropix
