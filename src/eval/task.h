// An evaluation task: a fixed list of items (prompts with references) and a
// scorer that turns one response into a per-item value. The runner
// (eval/runner.h) generates the responses; tasks never see the model.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decoding/answer_hook.h"
#include "eval/eval_record.h"
#include "runtime/prompt.h"
#include "tokenizer/chat_template.h"

namespace entropix {

class JsonFields;

struct EvalItem {
  std::string id;                     // stable across runs and --limit values
  std::vector<ChatMessage> messages;  // the conversation; the last message is the user's
  std::string reference;              // the expected answer ("" when the task has none)
  nlohmann::json data;                // task-specific (IFEval: instruction ids and kwargs)
};

struct ItemScore {
  bool scored = true;     // false: left out of the primary metric (and counted as skipped)
  double value = 0.0;     // the primary metric for this item, 0 or 1
  std::string extracted;  // what the scorer read from the response (e.g. the final number)
  nlohmann::json details = nlohmann::json::object();
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  // The primary metric: "accuracy" (higher is better) or, for loops,
  // "degeneration_rate" (lower is better).
  virtual std::string metric() const { return "accuracy"; }
  virtual bool higher_is_better() const { return true; }
  virtual int default_max_tokens() const { return 256; }
  virtual const std::vector<EvalItem>& items() const = 0;
  virtual ItemScore Score(const EvalItem& item, std::string_view response) const = 0;
  // What the runner calls: tasks that need the generated ids (loops) override it.
  virtual ItemScore ScoreGeneration(const EvalItem& item, std::string_view response,
                                    const std::vector<int32_t>& tokens) const {
    return Score(item, response);
  }
  // How a vote reads this item's responses (decoding/answer_hook.h): the
  // reading Score uses, so that traces are grouped by the answer they are
  // scored on; kNone for open-ended tasks (the vote picks by confidence).
  // No default: a task, or a wrapper such as a split, that forgot it would
  // silently turn every vote into best-of-N.
  virtual AnswerRule VoteAnswerRule(const EvalItem& item) const = 0;
  // Task-specific summary fields from one sampler's per-item records.
  // Default: none.
  virtual nlohmann::json Summarize(std::span<const EvalRecord> records) const {
    return nlohmann::json::object();
  }
  // Checks that a checkpoint record's `details` (read back from a file) have
  // the shape this task's Score writes and Summarize reads; raises
  // Error(kCorruptFile) through `details` otherwise. Default: any object.
  virtual void CheckDetails(const JsonFields& details) const {}
  // Parameters that define the items; a checkpoint made with other values
  // is refused (eval/runner.cc).
  virtual nlohmann::json Identity() const = 0;
};

struct TaskOptions {
  std::string name;         // gsm8k | ifeval | arith | loops
  std::string data;         // data file ("" = the task's default under shared/data)
  int limit = 0;            // first N items (0 = all)
  uint64_t seed = 0;        // arith item generation
  int difficulty = 1;       // arith: 1..3
  int shots = 0;            // gsm8k: few-shot exemplars (0 = zero-shot)
  std::string prompt_style;  // gsm8k: a Gsm8kPromptStyles() name ("" = the default; eval/math_tasks.h)
  // The system message of every task's items ("" = none), the same one
  // `run` and `calibrate` send.
  std::string system_prompt = kDefaultSystemPrompt;
  // gsm8k, ifeval: run only the items of this declared split (dev | holdout |
  // calibration; eval/splits.h); arith: dev | holdout, fixed item seeds
  // (eval/math_tasks.h); --limit then takes the first N of them.
  std::string split;
};

// Error(kInvalidArgument) for an unknown name; Error(kIo) for missing data.
std::unique_ptr<Task> MakeTask(const TaskOptions& options);

// The folder holding gsm8k/ and ifeval/: $ENTROPIX_DATA_DIR, else
// ../shared/data next to the current directory's checkout, else shared/data.
std::string DefaultDataDir();

}  // namespace entropix
