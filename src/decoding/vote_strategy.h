// Uncertainty-gated forking with confidence-weighted voting, as a pure state
// machine the scheduler drives batch by batch (MULTI_TRACE_NOTES.md C2).
//
//   1. decode the greedy trace; if it ended cleanly and its answer-span
//      margin and trace confidence pass the gate, return it (greedy's cost);
//   2. otherwise plan forks of it (fork_points.h) and propose them in
//      batches; a trace that ends in a repetition loop adds a fork back to
//      the loop's start with the second-ranked token, ahead of the plan;
//   3. after each batch, vote (vote.h) over the distinct traces; stop at
//      consensus, at the budget (traces, forward tokens: a batch in flight
//      may overshoot the token budget by its own cost), or when no fork is
//      left; return the leading answer and its most confident trace, or with
//      no answers at all the most confident finished trace (best-of-N).
//
// Driving it:
//   VoteStrategy s(profile, hook, seed);
//   for (auto batch = s.NextBatch(); !batch.empty(); batch = s.NextBatch())
//     for each request: decode it, then s.Finish(result)   (any order)
//   s.outcome()
// The result depends on the finished traces alone, not on the order of
// Finish calls, so batched and one-at-a-time hosts give the same outcome.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "decoding/answer_hook.h"
#include "decoding/fork_points.h"
#include "decoding/token_spans.h"
#include "decoding/trace_request.h"
#include "decoding/vote.h"
#include "decoding/vote_profile.h"
#include "sampling/rng.h"

namespace entropix {

// One event for the per-token trace: a trace started or finished, a vote
// was taken, or the strategy stopped. Fields not meaningful for a kind keep
// their defaults (VoteEventToJson writes only the meaningful ones).
struct VoteEvent {
  enum class Kind { kTraceStarted, kTraceFinished, kVote, kStop };
  Kind kind = Kind::kTraceStarted;
  int trace_id = -1;        // started/finished; stop: the chosen trace
  int parent = -1;          // started
  int fork_position = -1;   // started
  int rank = 0;             // started: rank of the fork token (0: not a ranked fork)
  std::string origin;       // started
  std::optional<std::string> answer;  // finished: its answer; vote: the leader; stop: the chosen answer
  double confidence = 0.0;     // finished
  double answer_margin = 0.0;  // finished
  double leader_share = 0.0;   // vote
  int traces = 0;              // vote, stop: traces finished so far
  int64_t forward_tokens = 0;  // finished: its own; stop: all
  std::string reason;          // finished: how it ended; stop: why the strategy stopped
  std::vector<BallotResult> ballots;  // vote: weight, duplicate, filtered per trace
};

std::string VoteEventToJson(const VoteEvent& e);  // one JSON object, no newline

struct VoteOutcome {
  std::string stop_reason;  // "gate", "consensus", "max_traces", "max_forward_tokens", "no_forks"
  int chosen_trace = 0;
  std::optional<std::string> answer;
  int traces = 0;
  int64_t forward_tokens = 0;
};

class VoteStrategy {
 public:
  VoteStrategy(VoteProfile profile, AnswerHook hook, uint64_t seed);

  // The traces to decode next (all of the previous batch must be finished);
  // empty once the strategy has stopped.
  std::vector<TraceRequest> NextBatch();
  // A trace of the current batch has finished.
  void Finish(TraceResult result);
  // While the greedy trace is decoded: the first fork batch when it can be
  // known without the greedy trace (first-token forks, independent
  // samples), i.e. what NextBatch will return if the gate fails and no loop
  // escape comes first; empty otherwise. A host may start these early and
  // serve NextBatch's requests that do the same work (SameWork) from them:
  // the outcome is unchanged, only the greedy-only time is shared
  // (speculative decoding of the forks; wasted when the gate passes).
  std::vector<TraceRequest> SpeculativeBatch() const;

  bool stopped() const { return stopped_; }
  const VoteOutcome& outcome() const { return outcome_; }  // valid once stopped()
  const std::vector<VoteEvent>& events() const { return events_; }
  // Finished trace `id` (as the host returned it), for the chosen text.
  const TraceResult& trace(int id) const;

 private:
  struct Record {
    TraceRequest request;
    TraceResult result;
    std::optional<Answer> answer;
    TokenRange answer_tokens;
    double answer_margin = 0.0;
    double confidence = 0.0;
    std::string text;
    bool finished = false;
  };
  struct Pending {  // a planned fork
    int parent;
    ForkPoint point;
    std::string origin;
  };

  bool GatePasses(const Record& r) const;
  void PlanFromGreedy();
  void QueueLoopEscapes(size_t from);
  std::vector<TraceRequest> ProposeBatch();
  TraceRequest ForkRequest(const Pending& p, int id) const;
  TraceRequest SampleRequest(int id) const;
  TraceRequest Start(TraceRequest r);
  Tally Vote();
  void Stop(const std::string& reason, int chosen);

  VoteProfile profile_;
  AnswerHook hook_;
  uint64_t seed_;
  Rng rng_;
  std::vector<Record> records_;        // by trace id
  size_t evaluated_ = 0;               // records already looked at by NextBatch
  int outstanding_ = 0;                // requests of the current batch not yet finished
  std::vector<Pending> escapes_;       // loop escapes, run before the plan
  std::vector<Pending> plan_;          // forks of the greedy trace, in order
  size_t plan_next_ = 0;
  int64_t forward_tokens_ = 0;
  bool stopped_ = false;
  VoteOutcome outcome_;
  std::vector<VoteEvent> events_;
};

}  // namespace entropix
