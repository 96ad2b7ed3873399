// The vote strategy's traces on the sequence scheduler (issue 10): a
// TraceHost whose RunBatch runs every request of a batch as one sequence of
// the same Scheduler, so each step is one ForwardBatch over all the forks.
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

#include "decoding/trace_host.h"
#include "runtime/scheduler.h"
#include "runtime/trace_rule_policy.h"

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
  void StreamTrace(int id, TextCallback on_text);
  std::vector<TraceResult> RunBatch(const std::vector<TraceRequest>& batch) override;
  // Scheduler steps run so far (each one ForwardBatch).
  int steps() const { return steps_; }

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

  int Start(Trace& t);
  TraceResult Collect(const Trace& t) const;
  void FillPieces(TraceResult& r) const;

  const Tokenizer& tokenizer_;
  std::vector<int32_t> prompt_;
  VoteHostOptions options_;
  Scheduler scheduler_;
  std::map<int, Trace> traces_;  // by trace id
  std::map<int, TextCallback> streams_;
  int steps_ = 0;
};

}  // namespace entropix
