#include "runtime/vote_runner.h"

#include <algorithm>

#include "core/error.h"
#include "tokenizer/streaming_decoder.h"

namespace entropix {
namespace {

SchedulerOptions HostSchedulerOptions(std::span<const int32_t> prompt, const VoteHostOptions& o) {
  SchedulerOptions so;
  // Each trace owns a cache (deep copies on fork): size it for one response, not the model's context.
  so.context = static_cast<int>(prompt.size()) + o.max_tokens + 1;
  so.max_rows = o.max_rows;
  return so;
}

TraceEnd EndOf(StopReason s) {
  switch (s) {
    case StopReason::kEndOfGeneration: return TraceEnd::kEndOfGeneration;
    case StopReason::kMaxTokens: return TraceEnd::kLength;
    default: return TraceEnd::kOther;
  }
}

template <class T>
void AppendPrefix(std::vector<T>& to, const std::vector<T>& from, int n) {
  to.insert(to.end(), from.begin(), from.begin() + n);
}

}  // namespace

SchedulerTraceHost::SchedulerTraceHost(const Model& model, const Tokenizer& tokenizer, ThreadPool& pool,
                                       std::span<const int32_t> prompt, const VoteHostOptions& options)
    : tokenizer_(tokenizer),
      prompt_(prompt.begin(), prompt.end()),
      options_(options),
      scheduler_(model, &tokenizer, pool, HostSchedulerOptions(prompt, options)) {}

SchedulerTraceHost::~SchedulerTraceHost() = default;

void SchedulerTraceHost::StreamTrace(int id, TextCallback on_text) { streams_[id] = std::move(on_text); }

std::vector<TraceResult> SchedulerTraceHost::RunBatch(const std::vector<TraceRequest>& batch) {
  std::map<int, int> trace_of;  // scheduler sequence id -> trace id
  for (const TraceRequest& r : batch) {
    auto [it, fresh] = traces_.try_emplace(r.id);
    ENTROPIX_CHECK(fresh);  // trace ids are never reused
    Trace& t = it->second;
    t.request = r;
    t.policy = std::make_unique<TraceRulePolicy>(r.first, r.rest);
    t.signals = std::make_unique<Signals>();
    trace_of[Start(t)] = r.id;
  }
  // All of the batch in the same steps: one ForwardBatch per step.
  while (scheduler_.Step() > 0) ++steps_;
  for (std::unique_ptr<Sequence>& s : scheduler_.TakeFinished()) {
    Trace& t = traces_.at(trace_of.at(s->id()));
    t.sequence = std::move(s);
    t.result = Collect(t);
  }
  std::vector<TraceResult> out;
  out.reserve(batch.size());
  for (const TraceRequest& r : batch) out.push_back(traces_.at(r.id).result);
  return out;
}

// Adds trace `t`'s sequence to the scheduler; returns its sequence id.
int SchedulerTraceHost::Start(Trace& t) {
  const TraceRequest& r = t.request;
  GenerateOptions go;
  go.max_tokens = std::max(0, options_.max_tokens - r.fork_position);
  go.seed = r.seed;
  go.policy = t.policy.get();
  go.record_signals = true;
  go.cancel = options_.cancel;
  Signals* s = t.signals.get();
  go.on_token = [s](const TokenEvent& ev) {
    s->entropy_bits.push_back(static_cast<float>(ev.logit.entropy_bits));
    s->margin.push_back(static_cast<float>(ev.logit.margin));
    s->logprob.push_back(static_cast<float>(ev.logprob));
  };
  TextCallback on_text;
  if (auto it = streams_.find(r.id); it != streams_.end()) on_text = it->second;
  if (r.parent < 0) return scheduler_.Add(prompt_, go, std::move(on_text));
  const Trace& parent = traces_.at(r.parent);
  ENTROPIX_CHECK(parent.sequence != nullptr && r.fork_position <= static_cast<int>(parent.result.tokens.size()));
  const int position = static_cast<int>(prompt_.size()) + r.fork_position;
  return scheduler_.ForkFinished(*parent.sequence, position, go, std::move(on_text));
}

TraceResult SchedulerTraceHost::Collect(const Trace& t) const {
  const GenerationResult& g = t.sequence->result();
  const Signals& s = *t.signals;
  ENTROPIX_CHECK(s.entropy_bits.size() == g.tokens.size());  // no insertions or branches in a trace
  TraceResult r;
  r.id = t.request.id;
  if (t.request.parent >= 0) {
    const TraceResult& p = traces_.at(t.request.parent).result;
    const int n = t.request.fork_position;
    AppendPrefix(r.tokens, p.tokens, n);
    AppendPrefix(r.entropy_bits, p.entropy_bits, n);
    AppendPrefix(r.margin, p.margin, n);
    AppendPrefix(r.logprob, p.logprob, n);
  }
  r.tokens.insert(r.tokens.end(), g.tokens.begin(), g.tokens.end());
  r.entropy_bits.insert(r.entropy_bits.end(), s.entropy_bits.begin(), s.entropy_bits.end());
  r.margin.insert(r.margin.end(), s.margin.begin(), s.margin.end());
  r.logprob.insert(r.logprob.end(), s.logprob.begin(), s.logprob.end());
  r.end = EndOf(g.stop);
  r.forward_tokens = g.forward_passes + (t.request.parent >= 0 ? 1 : 0);
  FillPieces(r);
  return r;
}

void SchedulerTraceHost::FillPieces(TraceResult& r) const {
  StreamingDecoder decoder(tokenizer_);
  r.pieces.clear();
  r.held_bytes.clear();
  for (int32_t token : r.tokens) {
    r.pieces.push_back(decoder.Push(token));
    r.held_bytes.push_back(static_cast<int>(decoder.pending_bytes()));
  }
}

}  // namespace entropix
