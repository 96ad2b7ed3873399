// Several items' trace pools at once on ONE Scheduler (eval --pool with
// --parallel N): each item runs its rounds (eval/pool_lockstep.h) as soon as
// its previous round has finished, and the traces of up to N items share
// every scheduler step, so the greedy trace of one item (a round of one
// sequence) is decoded beside other items' forks instead of alone.
//
// The pool of an item does not depend on N: a sequence's tokens do not
// depend on its step-mates (runtime/scheduler.h), seeds come from the
// requests, and pool ids from the item's own rounds. Items are handed to
// the sink as they finish (in job order with N = 1).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "decoding/vote_profile.h"
#include "eval/pool_runner.h"
#include "eval/trace_pool.h"

namespace entropix {

class Model;
class ThreadPool;
class Tokenizer;

struct PoolJob {
  size_t index = 0;              // the caller's item index
  std::vector<int32_t> prompt;   // the item's encoded conversation
  uint64_t seed = 0;             // the strategies' seed
  AnswerRule answer_rule;        // how the item's answers are read (Task::VoteAnswerRule)
};

struct PoolBatchOptions {
  std::vector<PoolKind> kinds;
  VoteProfile base;
  int max_tokens = 256;  // cap on a whole response
  int parallel = 4;      // items at once
};

// An item's traces (pool ids; answers filled in, `correct` left 0).
using PoolSink = std::function<void(const PoolJob& job, std::vector<PoolTrace> traces)>;

// Runs every job; an exception (from the model or the sink) ends the run:
// items in flight are lost, items already handed over are not.
void RunPoolJobs(const Model& model, const Tokenizer& tokenizer, ThreadPool& pool, std::span<const PoolJob> jobs,
                 const PoolBatchOptions& options, const PoolSink& sink);

}  // namespace entropix
