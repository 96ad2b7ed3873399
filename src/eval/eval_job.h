// One generation of an evaluation run, (sampler, item, draw), and the record
// it becomes. The serial and the batched runner (eval/batch_runner.h) build
// records only here, so a record does not depend on how it was run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eval/eval_record.h"
#include "eval/task.h"
#include "runtime/generation.h"
#include "runtime/sampler_spec.h"

namespace entropix {

struct VoteGeneration;

// One resolved sampler of a run: its policy, identity and pause length.
struct EvalSampler {
  const SamplerSpec* spec = nullptr;
  std::unique_ptr<Policy> policy;  // shared by its generations (policies are stateless)
  std::string sha256;
  int draws = 1;
  int pause_tokens = 0;
};

struct EvalJob {
  int64_t index = 0;  // the item's position in the task
  const EvalItem* item = nullptr;
  const EvalSampler* sampler = nullptr;
  int draw = 0;
  uint64_t seed = 0;  // DrawSeed(ItemSeed(run seed, item), draw)
};

// What a finished generation hands to MakeEvalRecord.
struct JobOutput {
  std::string response;
  GenerationResult result;
  const VoteGeneration* vote = nullptr;  // set for vote samplers
  double seconds = 0.0;                  // the generation's own wall span (see eval/batch_runner.h)
};

EvalRecord MakeEvalRecord(const EvalJob& job, const Task& task, const JobOutput& out, const std::string& engine);

}  // namespace entropix
