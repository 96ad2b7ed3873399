// Builds a trace pool (eval/trace_pool.h): per item, the vote strategy runs
// once per fork kind with a profile that never stops early (no gate, no
// consensus, max_traces = K + 1, the base profile's batch), all kinds in
// lockstep (eval/pool_lockstep.h). The greedy trace is decoded once and
// shared by all kinds. Up to `parallel` items run at once on ONE scheduler
// (eval/pool_batch.h), so each step is one ForwardBatch over every kind's
// traces of every item in flight.
// The traces are exactly those the live strategy would run with the base
// profile and that fork kind (same requests, same seeds), which is what lets
// a replay reproduce a live `vote` run (eval/replay.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "decoding/answer_hook.h"
#include "decoding/vote_profile.h"
#include "runtime/prompt.h"

namespace entropix {

class Model;
class Tokenizer;
class Task;

struct PoolKind {
  ForkRule rule = ForkRule::kEntropy;
  int traces = 8;  // K: traces of this kind besides the greedy one
};

// "greedy,entropy:8,first_token:8,random:8,sample:8" (greedy is always
// there; "sample" = independent samples). Error(kInvalidArgument) naming the
// bad element.
std::vector<PoolKind> ParsePoolSpec(const std::string& spec);

struct PoolOptions {
  std::string out_dir;
  std::string spec;          // as given, for pool.json
  std::vector<PoolKind> kinds;
  VoteProfile base;          // sampling, fork token, continuation, loop and confidence settings
  uint64_t seed = 0;
  int max_tokens = 0;        // 0: the task's default
  int threads = 0;
  int parallel = 4;          // items at once on one scheduler (eval/pool_batch.h); the pool is the same for any
  PromptFormat prompt;
  bool progress = true;
};

struct PoolRunStats {
  int built = 0;    // items run now
  int resumed = 0;  // items found in pool.jsonl
};

// The profile a kind's strategy runs with: `base` that never stops early.
VoteProfile PoolProfile(const VoteProfile& base, const PoolKind& kind);

class TraceHost;
struct PoolTrace;
// One item's pool traces: every kind's strategy (PoolProfile, seeded with
// `seed`, reading answers with `answer`) in lockstep on `host`, one RunBatch per round; pool ids are the
// host's trace ids (0: the shared greedy trace). Answers, margins and
// confidences are filled in; `correct` is left 0 (the task scores it).
std::vector<PoolTrace> RunPoolKinds(TraceHost& host, const std::vector<PoolKind>& kinds, const VoteProfile& base,
                                    uint64_t seed, const AnswerHook& answer);

PoolRunStats BuildTracePool(const Model& model, const Tokenizer& tokenizer, const std::string& model_label,
                            const Task& task, const PoolOptions& options);

}  // namespace entropix
