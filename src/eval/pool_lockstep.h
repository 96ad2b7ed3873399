// One item's trace pool as a sequence of rounds (eval/pool_runner.h): every
// fork kind's VoteStrategy (PoolProfile: never stops early), in lockstep.
// A round is every lane's next batch; the round's results go back to the
// lanes in request order, then the next round is asked for. The greedy
// trace is requested by every lane but run once (pool id 0) and shared.
//
//   PoolLockstep l(kinds, base, seed, answer);
//   for (auto round = l.NextRound(); !round.empty(); round = l.NextRound())
//     l.FinishRound(run(round));       // any host: synchronous or batched
//   l.Traces();
//
// Pool ids number the requests in the order the rounds made them, so they
// do not depend on how (or beside what) a round was run.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "decoding/trace_request.h"
#include "decoding/vote_strategy.h"
#include "eval/pool_runner.h"
#include "eval/trace_pool.h"

namespace entropix {

class PoolLockstep {
 public:
  // `answer`: how every lane reads a trace's answer (the task's rule).
  PoolLockstep(const std::vector<PoolKind>& kinds, const VoteProfile& base, uint64_t seed, const AnswerHook& answer);
  PoolLockstep(const PoolLockstep&) = delete;  // the round refers to lanes by address
  PoolLockstep& operator=(const PoolLockstep&) = delete;

  // The next round's requests (ids and parents are pool ids); empty once
  // every lane has ended. The previous round must be finished.
  std::vector<TraceRequest> NextRound();
  // The round's results, one per request, in any order (result.id = pool id).
  void FinishRound(std::vector<TraceResult> results);
  // Every trace by pool id, with the answer, answer margin and confidence
  // each lane's strategy found (a shared greedy trace gets the first
  // lane's); `correct` is left 0. Call after NextRound returned empty.
  std::vector<PoolTrace> Traces() const;

 private:
  struct Lane {
    VoteStrategy strategy;
    std::map<int, int> host_of;  // strategy trace id -> pool id
  };
  void Finish(Lane& lane, int local);

  std::vector<Lane> lanes_;
  int greedy_ = -1;                                // pool id of the shared greedy trace
  std::vector<TraceRequest> requests_;             // by pool id
  std::vector<TraceResult> results_;               // by pool id
  std::vector<std::pair<Lane*, int>> owner_;       // this round: lane and trace id per request
  std::vector<std::pair<Lane*, int>> shared_;      // this round: greedy requests served by pool id greedy_
};

}  // namespace entropix
