#include "eval/pool_lockstep.h"

#include "core/error.h"

namespace entropix {

PoolLockstep::PoolLockstep(const std::vector<PoolKind>& kinds, const VoteProfile& base, uint64_t seed,
                           const AnswerHook& answer) {
  lanes_.reserve(kinds.size());  // lanes are referred to by address
  for (const PoolKind& k : kinds) {
    lanes_.push_back({VoteStrategy(PoolProfile(base, k), answer, seed), {}});
  }
}

std::vector<TraceRequest> PoolLockstep::NextRound() {
  ENTROPIX_CHECK(owner_.empty());
  for (;;) {
    std::vector<TraceRequest> round;
    shared_.clear();
    for (Lane& lane : lanes_) {
      for (TraceRequest r : lane.strategy.NextBatch()) {
        if (r.parent < 0 && r.origin == "greedy" && greedy_ >= 0) {
          lane.host_of[r.id] = greedy_;
          shared_.push_back({&lane, r.id});
          continue;
        }
        const int local = r.id;
        r.id = static_cast<int>(requests_.size());
        if (r.parent >= 0) r.parent = lane.host_of.at(r.parent);
        if (r.origin == "greedy" && r.parent < 0) greedy_ = r.id;
        lane.host_of[local] = r.id;
        requests_.push_back(r);
        round.push_back(r);
        owner_.push_back({&lane, local});
      }
    }
    if (!round.empty() || shared_.empty()) return round;
    // Only lanes asking for the greedy trace already run: answer them, ask again.
    FinishRound({});
  }
}

void PoolLockstep::FinishRound(std::vector<TraceResult> results) {
  ENTROPIX_CHECK(results.size() == owner_.size());
  const int first = static_cast<int>(requests_.size() - owner_.size());  // the round's pool ids: [first, size)
  std::vector<bool> seen(owner_.size(), false);
  for (TraceResult& res : results) {
    ENTROPIX_CHECK(res.id >= first && res.id < static_cast<int>(requests_.size()) && !seen[res.id - first]);
    seen[res.id - first] = true;
    if (static_cast<int>(results_.size()) <= res.id) results_.resize(res.id + 1);
    results_[res.id] = std::move(res);
  }
  // The strategies see their batch in request order, whatever order the results came in.
  for (auto& [lane, local] : owner_) Finish(*lane, local);
  for (auto& [lane, local] : shared_) Finish(*lane, local);
  owner_.clear();
  shared_.clear();
}

void PoolLockstep::Finish(Lane& lane, int local) {
  TraceResult r = results_.at(lane.host_of.at(local));
  r.id = local;
  lane.strategy.Finish(std::move(r));
}

std::vector<PoolTrace> PoolLockstep::Traces() const {
  std::vector<PoolTrace> traces(requests_.size());
  for (size_t id = 0; id < requests_.size(); ++id) {
    traces[id].request = requests_[id];
    traces[id].result = results_.at(id);
  }
  std::vector<bool> seen(traces.size(), false);
  for (const Lane& lane : lanes_) {
    for (const VoteEvent& e : lane.strategy.events()) {
      if (e.kind != VoteEvent::Kind::kTraceFinished) continue;
      const int id = lane.host_of.at(e.trace_id);
      if (seen[id]) continue;
      seen[id] = true;
      traces[id].answer = e.answer;
      traces[id].answer_margin = e.answer_margin;
      traces[id].confidence = e.confidence;
    }
  }
  return traces;
}

}  // namespace entropix
