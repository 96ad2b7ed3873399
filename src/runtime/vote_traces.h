// The traces of one vote as sequences of a caller's scheduler (issue 10):
// Start turns a TraceRequest into a sequence, Finish turns that sequence,
// once the scheduler has finished it, into the TraceResult of the whole
// response. SchedulerTraceHost (vote_runner.h) drives it synchronously on a
// scheduler of its own; VoteRun (vote_run.h) drives it between the steps of
// a scheduler shared with other work (the server's engine).
//
// Forks. Every finished trace keeps its sequence and KV cache (any trace may
// be a parent: the greedy one for the plan, a looping one for its escape).
// A fork at response index p of trace P is P's sequence forked at cache
// position prompt + p (Scheduler::ForkFinished): the child keeps the cache
// of the prompt and P's first p tokens and re-feeds P's token p - 1 (the
// last prompt token when p = 0) to get the logits at p, so the fork token
// is chosen from the parent's own state rather than from stored logits (one
// extra token-step per fork instead of [vocab_size] floats per position).
// Bitwise the same logits: ForwardBatch and Forward agree for any batch and
// thread count. The token at p follows the request's `first` rule, later
// ones `rest` (TraceRulePolicy).
//
// Results describe the whole response: P's first p tokens and signals, then
// the child's; the pieces and held bytes come from one streaming decoder run
// over all the tokens, so text split across the fork point stays whole.
// forward_tokens: the child's decode forwards plus its re-fed token.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "decoding/trace_request.h"
#include "runtime/scheduler.h"
#include "runtime/trace_rule_policy.h"

namespace entropix {

class VoteTraces {
 public:
  // max_tokens: cap on a whole response (the reused prefix included);
  // cancel, when set, stops every trace (TraceEnd::kOther).
  VoteTraces(const Tokenizer& tokenizer, std::span<const int32_t> prompt, int max_tokens,
             const std::atomic<bool>* cancel = nullptr);
  ~VoteTraces();
  VoteTraces(const VoteTraces&) = delete;
  VoteTraces& operator=(const VoteTraces&) = delete;

  // Streams trace `id`'s text as it is decoded (the CLI's first trace).
  void StreamTrace(int id, TextCallback on_text);
  // Adds request `r`'s sequence to `scheduler` (the one every trace of this
  // vote runs on); returns its sequence id. Trace ids are never reused.
  int Start(Scheduler& scheduler, const TraceRequest& r);
  // The same for a fork of a trace still running as sequence
  // `parent_sequence` of `scheduler` (a speculative fork, vote_runner.h),
  // whose cache must hold the prompt and the fork's prefix.
  int StartBeside(Scheduler& scheduler, const TraceRequest& r, int parent_sequence);
  // Trace `from` becomes trace `r.id` with request `r`, which must do the
  // same work (SameWork); its result, if any, is re-labelled.
  void Adopt(int from, const TraceRequest& r);
  // Drops trace `id` (an unused speculative one) and its cache.
  void Forget(int id) { traces_.erase(id); }
  // Trace `id`'s sequence, taken from the scheduler's TakeFinished.
  const TraceResult& Finish(int id, std::unique_ptr<Sequence> sequence);
  const TraceResult& result(int id) const;

 private:
  struct Signals {  // per emitted token of one sequence
    std::vector<float> entropy_bits, margin, logprob;
  };
  struct Trace {
    TraceRequest request;
    std::unique_ptr<TraceRulePolicy> policy;
    std::unique_ptr<Signals> signals;
    std::unique_ptr<Sequence> sequence;  // once finished
    TraceResult result;
  };

  // Registers trace r.id; the options of its sequence.
  GenerateOptions Prepare(const TraceRequest& r);
  TraceResult Collect(const Trace& t) const;
  void FillPieces(TraceResult& r) const;

  const Tokenizer& tokenizer_;
  std::vector<int32_t> prompt_;
  int max_tokens_;
  const std::atomic<bool>* cancel_;
  std::map<int, Trace> traces_;  // by trace id
  std::map<int, TextCallback> streams_;
};

}  // namespace entropix
