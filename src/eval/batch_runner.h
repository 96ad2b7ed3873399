// The evaluation's generations, run up to `parallel` at a time on ONE
// Scheduler (eval --parallel N): different items and draws are separate
// sequences of the same ForwardBatch step, so the model's weights are read
// once per step for all of them. A sequence's tokens do not depend on what
// shares its steps (runtime/scheduler.h), and each generation keeps its own
// seed, so every record equals the one a serial run (parallel 1) writes,
// apart from its wall-time fields.
//
// Order. Jobs start in the order given (the runner's item-major order) and
// each record goes to the sink as soon as its generation finishes: in job
// order with parallel 1, otherwise in finishing order (deterministic for a
// given N, but not the serial order). The checkpoint is therefore written in
// finishing order; everything that reads it (resume, summary, rescore) is
// keyed by (sampler, item, draw) and does not depend on line order.
//
// Vote samplers run one generation at a time, when their turn comes, on
// their own SchedulerTraceHost (their traces are batched among themselves);
// the other sequences wait meanwhile.
//
// Wall time. `seconds` of a record is the generation's own span: from the
// step it joined to the step it finished, which includes the other
// sequences' share of those steps. decode_seconds and tokens_per_s are the
// sequence's own as well (so under batching they are per-sequence rates,
// not throughput). The run's throughput is the run's total wall time
// (EvalRunStats::wall_seconds, runs.jsonl).
#pragma once

#include <functional>
#include <span>
#include <string>

#include "eval/eval_job.h"
#include "runtime/prompt.h"

namespace entropix {

class Model;
class Tokenizer;

struct BatchRunOptions {
  int parallel = 4;  // generations at once (1: one at a time)
  int threads = 0;   // 0: all hardware threads
  int context = 4096;
  int max_tokens = 256;
  PromptFormat prompt;
  std::string engine;  // EngineVersion(), filed in every record
};

using RecordSink = std::function<void(const EvalRecord& record)>;

// Runs every job; hands each record to `sink` when its generation finishes.
// An exception (from the model or the sink) ends the run: the generations
// in flight are lost, records already handed over are not.
void RunEvalJobs(const Model& model, const Tokenizer& tokenizer, const Task& task, std::span<const EvalJob> jobs,
                 const BatchRunOptions& options, const RecordSink& sink);

}  // namespace entropix
