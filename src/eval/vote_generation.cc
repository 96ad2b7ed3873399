#include "eval/vote_generation.h"

#include <chrono>
#include <map>

#include "decoding/trace_host.h"
#include "decoding/vote_strategy.h"
#include "runtime/vote_runner.h"
#include "tokenizer/streaming_decoder.h"

namespace entropix {
namespace {

// TraceEnd has no cancel (eval never cancels); kOther is a full context.
StopReason StopOf(TraceEnd e) {
  switch (e) {
    case TraceEnd::kEndOfGeneration: return StopReason::kEndOfGeneration;
    case TraceEnd::kLength:
    case TraceEnd::kLoop: return StopReason::kMaxTokens;
    case TraceEnd::kOther: return StopReason::kContextFull;
  }
  return StopReason::kContextFull;
}

void ApplyEvent(const VoteEvent& e, std::map<int, VoteTraceRecord>& traces) {
  using Kind = VoteEvent::Kind;
  if (e.kind == Kind::kTraceStarted) {
    VoteTraceRecord& t = traces[e.trace_id];
    t.id = e.trace_id;
    t.parent = e.parent;
    t.fork_position = e.fork_position;
    t.origin = e.origin;
  } else if (e.kind == Kind::kTraceFinished) {
    VoteTraceRecord& t = traces[e.trace_id];
    t.answer = e.answer;
    t.confidence = e.confidence;
    t.answer_margin = e.answer_margin;
    t.forward_tokens = e.forward_tokens;
    t.end = e.reason;
  } else if (e.kind == Kind::kVote) {
    for (auto& [id, t] : traces) t.weight = 0.0;  // the last vote's weights only
    for (const BallotResult& b : e.ballots) traces[b.trace_id].weight = b.weight;
  }
}

}  // namespace

VoteRecord VoteRecordOf(const VoteStrategy& strategy) {
  std::map<int, VoteTraceRecord> traces;
  for (const VoteEvent& e : strategy.events()) ApplyEvent(e, traces);
  const VoteOutcome& o = strategy.outcome();
  VoteRecord r;
  r.stop_reason = o.stop_reason;
  r.chosen_trace = o.chosen_trace;
  for (auto& [id, t] : traces) {
    if (!t.end.empty()) r.per_trace.push_back(std::move(t));  // finished traces only
  }
  r.traces = static_cast<int>(r.per_trace.size());
  return r;
}

VoteGeneration GenerateByVote(const Model& model, const Tokenizer& tokenizer, ThreadPool& pool,
                              std::span<const int32_t> prompt, const VoteProfile& profile, const AnswerHook& hook,
                              int max_tokens, uint64_t seed) {
  VoteHostOptions ho;
  ho.max_tokens = max_tokens;
  SchedulerTraceHost host(model, tokenizer, pool, prompt, ho);
  VoteStrategy strategy(profile, hook, seed);
  const auto t0 = std::chrono::steady_clock::now();
  const VoteOutcome& o = RunVote(strategy, host);
  const int64_t unused = host.EndSpeculation();
  int from_prompt = 0;
  for (const VoteEvent& e : strategy.events()) {
    from_prompt += e.kind == VoteEvent::Kind::kTraceStarted && e.parent < 0;
  }
  const TraceResult& chosen = strategy.trace(o.chosen_trace);
  VoteGeneration g;
  g.result.tokens = chosen.tokens;
  g.result.stop = StopOf(chosen.end);
  g.result.prompt_tokens = static_cast<int>(prompt.size());
  // Every trace's time (their prefills included): the cost of the answer.
  g.result.decode_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const std::string& piece : chosen.pieces) g.response += piece;
  // The held-back tail a streaming run flushes at its end.
  StreamingDecoder decoder(tokenizer);
  for (int32_t t : chosen.tokens) decoder.Push(t);
  g.response += decoder.Flush();
  g.forward_tokens = static_cast<int64_t>(prompt.size()) * from_prompt + o.forward_tokens + unused;
  g.traces = o.traces;
  g.chosen_trace = o.chosen_trace;
  g.stop_reason = o.stop_reason;
  g.record = VoteRecordOf(strategy);
  g.record.speculative_tokens = unused;
  return g;
}

}  // namespace entropix
