// Runs every sampler over the same items of a task, resumably, and
// summarises the results.
//
// Output folder:
//   run.json       what defines the run (task identity, model, seed,
//                  max_tokens); a rerun with other values is refused
//   results.jsonl  the checkpoint: one record per (sampler, item), appended
//                  and flushed as each generation finishes. A rerun skips
//                  the pairs already there (eval/checkpoint.h: a torn last
//                  line is dropped, any other damage is an Error).
//   summary.json, summary.md, accuracy.svg   written at the end
//
// Item i of every sampler uses the same seed (run seed mixed with the item
// id), so samplers are compared on the same items with the same random
// stream, and a rerun reproduces each record exactly.
#pragma once

#include "runtime/prompt.h"

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "eval/task.h"
#include "runtime/policy_factory.h"

namespace entropix {

class Model;
class Tokenizer;

struct SamplerSpec {
  std::string label;    // as given: greedy | sample | entropix | a profile name or file
  PolicyConfig config;
};

// "greedy", "sample" (PolicyConfig's defaults), "entropix" (the model's
// default profile) or a profile file / built-in profile name (entropix
// with that profile). The labels must be distinct.
std::vector<SamplerSpec> ParseSamplers(const std::string& comma_list, const Model& model);


struct EvalOptions {
  std::string out_dir;
  uint64_t seed = 0;
  int max_tokens = 0;      // 0 = the task's default
  int threads = 0;
  int context = 4096;
  PromptFormat prompt;
  bool progress = true;    // progress bar / lines on stderr
  int resamples = 2000;    // bootstrap resamples in the summary
};

struct EvalRunStats {
  int evaluated = 0;  // generations run now
  int resumed = 0;    // (sampler, item) pairs found in the checkpoint
};

// Throws Error(kInvalidArgument) when out_dir holds a run with another identity.
EvalRunStats RunEvaluation(const Model& model, const Tokenizer& tokenizer, const std::string& model_label,
                           const Task& task, std::span<const SamplerSpec> samplers, const EvalOptions& options);

struct RescoreStats {
  int rescored = 0;  // records whose item is in the task
  int changed = 0;   // of those, records whose score changed
};

// Scores every record of out_dir/results.jsonl again from its stored
// response (after a checker or answer-extractor fix), rewrites the file and
// the summary. Generates nothing. The folder must hold a run with the same
// identity; no other `eval` may be writing to it at the time.
RescoreStats RescoreEvaluation(const std::string& model_label, const Task& task,
                               std::span<const SamplerSpec> samplers, const EvalOptions& options);

// The per-item records of out_dir/results.jsonl (a torn last line dropped;
// see eval/checkpoint.h). With a task, their details are checked too.
std::vector<EvalRecord> ReadResults(const std::string& out_dir, const Task* task = nullptr);

// Statistics per sampler from the records of `samplers` on the task's items
// that every one of them has finished (so comparisons are paired); records
// of other items (from an earlier run with other items) are left out.
nlohmann::json Summarize(const Task& task, std::span<const std::string> sampler_labels,
                         std::span<const EvalRecord> records, int resamples, uint64_t seed);
std::string SummaryMarkdown(const nlohmann::json& summary);

// The per-item seed: the run seed mixed with the item id.
uint64_t ItemSeed(uint64_t run_seed, const std::string& item_id);

}  // namespace entropix
