#include "eval/pool_batch.h"

#include <algorithm>
#include <map>
#include <memory>

#include "core/error.h"
#include "eval/pool_lockstep.h"
#include "model/model.h"
#include "runtime/scheduler.h"
#include "runtime/vote_traces.h"

namespace entropix {
namespace {

// One item in flight: its rounds, its traces (their sequences stay alive as
// fork parents) and the round now running.
struct ActiveItem {
  ActiveItem(const PoolJob& j, const Tokenizer& tokenizer, const PoolBatchOptions& o)
      : job(&j),
        lockstep(o.kinds, o.base, j.seed, RuleAnswerHook(j.answer_rule)),
        traces(tokenizer, j.prompt, o.max_tokens) {}
  const PoolJob* job;
  PoolLockstep lockstep;
  VoteTraces traces;
  std::vector<TraceRequest> round;
  int pending = 0;  // requests of the round still running
  bool done = false;
};

SchedulerOptions PoolScheduler(std::span<const PoolJob> jobs, const PoolBatchOptions& o) {
  if (o.parallel < 1) throw Error(ErrorCode::kInvalidArgument, "--parallel must be at least 1");
  size_t longest = 1;
  for (const PoolJob& j : jobs) longest = std::max(longest, j.prompt.size());
  int rows_per_item = 1;  // one row per trace of a round (a forked trace re-feeds one token)
  for (const PoolKind& k : o.kinds) rows_per_item += k.traces;
  SchedulerOptions so;
  // Each trace owns a cache (pages shared with its parent): one response
  // long, not the model's context (the scheduler caps it at the model's).
  so.context = static_cast<int>(longest) + o.max_tokens + 1;
  // A row per trace of every item's round, up to 256 (more sequences wait a step).
  so.max_rows = std::clamp(o.parallel * rows_per_item, 32, 256);
  return so;
}

class PoolBatch {
 public:
  PoolBatch(const Model& model, const Tokenizer& tokenizer, ThreadPool& pool, std::span<const PoolJob> jobs,
            const PoolBatchOptions& o, const PoolSink& sink)
      : tokenizer_(tokenizer), o_(o), sink_(sink), scheduler_(model, &tokenizer, pool, PoolScheduler(jobs, o)) {}

  void Run(std::span<const PoolJob> jobs) {
    size_t next = 0;
    while (next < jobs.size() || !active_.empty()) {
      while (next < jobs.size() && static_cast<int>(active_.size()) < o_.parallel) {
        active_.push_back(std::make_unique<ActiveItem>(jobs[next++], tokenizer_, o_));
        StartRound(*active_.back());
      }
      try {
        scheduler_.Step();
      } catch (...) {
        scheduler_.Clear();
        throw;
      }
      for (std::unique_ptr<Sequence>& s : scheduler_.TakeFinished()) Collect(std::move(s));
      std::erase_if(active_, [](const std::unique_ptr<ActiveItem>& a) { return a->done; });
    }
  }

 private:
  // Starts the item's next round, or hands the item over when it has none.
  void StartRound(ActiveItem& a) {
    a.round = a.lockstep.NextRound();
    if (a.round.empty()) {
      a.done = true;
      sink_(*a.job, a.lockstep.Traces());
      return;
    }
    for (const TraceRequest& r : a.round) running_[a.traces.Start(scheduler_, r)] = {&a, r.id};
    a.pending = static_cast<int>(a.round.size());
  }

  void Collect(std::unique_ptr<Sequence> s) {
    const auto it = running_.find(s->id());
    ENTROPIX_CHECK(it != running_.end());
    auto [a, id] = it->second;
    running_.erase(it);
    a->traces.Finish(id, std::move(s));
    if (--a->pending > 0) return;
    std::vector<TraceResult> results;
    results.reserve(a->round.size());
    for (const TraceRequest& r : a->round) results.push_back(a->traces.result(r.id));
    a->lockstep.FinishRound(std::move(results));
    StartRound(*a);
  }

  const Tokenizer& tokenizer_;
  const PoolBatchOptions& o_;
  const PoolSink& sink_;
  Scheduler scheduler_;
  std::vector<std::unique_ptr<ActiveItem>> active_;
  std::map<int, std::pair<ActiveItem*, int>> running_;  // sequence id -> item and pool id
};

}  // namespace

void RunPoolJobs(const Model& model, const Tokenizer& tokenizer, ThreadPool& pool, std::span<const PoolJob> jobs,
                 const PoolBatchOptions& options, const PoolSink& sink) {
  if (jobs.empty()) return;
  PoolBatch(model, tokenizer, pool, jobs, options, sink).Run(jobs);
}

}  // namespace entropix
