// Runs every sampler over the same items of a task, resumably, and
// summarises the results (eval/summary.h).
//
// Output folder:
//   run.json       what defines the run (task identity, model, seed,
//                  max_tokens); a rerun with other values is refused
//   samplers.json  per label, the spec and the resolved parameters with
//                  their sha256; a rerun that would file other parameters
//                  under an existing label is refused, naming what changed
//   results.jsonl  the checkpoint: one record per (sampler, item, draw),
//                  appended and flushed as each generation finishes. A rerun
//                  skips the triples already there (eval/checkpoint.h: a torn
//                  last line is dropped, any other damage is an Error).
//                  With --parallel N > 1 records are appended in the order
//                  their generations finish (eval/batch_runner.h); readers
//                  key them by the triple, never by line order.
//   runs.jsonl     one line per invocation that generated records: parallel,
//                  counts and its total wall time
//   summary.json, summary.md and the charts, written at the end
//
// Draw 0 of item i uses the same seed for every sampler (run seed mixed with
// the item id); draw d > 0 a seed derived from it. Samplers are compared on
// the same items with the same random streams, and a rerun reproduces each
// record exactly.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "eval/summary.h"
#include "eval/task.h"
#include "runtime/prompt.h"
#include "runtime/sampler_spec.h"
#include "runtime/session.h"

namespace entropix {

class Model;
class Tokenizer;

// runtime/sampler_spec.h's list, with "entropix" resolved to the model's
// default profile. The labels must be distinct.
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
  int draws = 1;           // generations per item for stochastic samplers (greedy: always 1)
  int parallel = 4;        // generations at once on one scheduler (eval/batch_runner.h); 1: one at a time
};

// Draws per item for this sampler: 1 for greedy (deterministic), else `draws`.
int DrawsFor(const SamplerSpec& sampler, int draws);

struct EvalRunStats {
  int evaluated = 0;  // generations run now
  int resumed = 0;    // (sampler, item, draw) triples found in the checkpoint
  double wall_seconds = 0.0;  // of the generations run now (also appended to runs.jsonl)
  Summary summary;    // what was written to summary.json / summary.md
};

// Throws Error(kInvalidArgument) when out_dir holds a run with another
// identity, or records of a label made with other sampler parameters.
EvalRunStats RunEvaluation(const Model& model, const Tokenizer& tokenizer, const std::string& model_label,
                           const Task& task, std::span<const SamplerSpec> samplers, const EvalOptions& options);

struct RescoreStats {
  int rescored = 0;  // records whose item is in the task
  int changed = 0;   // of those, records whose score changed
  Summary summary;
};

// Scores every record of out_dir/results.jsonl again from its stored
// response (after a checker or answer-extractor fix), rewrites the file and
// the summary. Generates nothing. The folder must hold a run with the same
// identity; no other `eval` may be writing to it at the time. Records from
// before compute and identity were recorded are rescored as they are.
// The summary covers `samplers` with options.draws, or, when `samplers` is
// empty, every label the records hold (greedy first) with the draws they
// hold (at most options.draws when that is not 0): rescoring a folder then
// needs no flag repeated from the run that made it.
RescoreStats RescoreEvaluation(const std::string& model_label, const Task& task,
                               std::span<const SamplerSpec> samplers, const EvalOptions& options);

// The per-item records of out_dir/results.jsonl (a torn last line dropped;
// see eval/checkpoint.h). With a task, their details are checked too.
std::vector<EvalRecord> ReadResults(const std::string& out_dir, const Task* task = nullptr);

// The per-item seed: the run seed mixed with the item id (draw 0), and the
// seed of draw d > 0, derived from it.
uint64_t ItemSeed(uint64_t run_seed, const std::string& item_id);
uint64_t DrawSeed(uint64_t item_seed, int draw);

// Forward token-steps of one generation: the prompt tokens processed plus
// every token fed while decoding (rollouts of all branches included; a
// pause insertion feeds its whole sequence in one pass).
int64_t ForwardTokenSteps(const GenerationResult& result, int pause_tokens);

}  // namespace entropix
