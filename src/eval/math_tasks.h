// GSM8K (word problems, chain-of-thought, final-number exact match) and
// arith (seeded synthetic arithmetic and comparison questions).
#pragma once

#include <span>
#include <string_view>

#include "eval/task.h"

namespace entropix {

// GSM8K prompt styles: a system message and/or an instruction before (or
// after) the question in the user message. A style without a system message
// uses the task's (--system, the neutral one of `run` by default). The
// default asks for plain-word reasoning without code and a final \boxed{}
// answer after the question (docs/EVALUATION.md, gsm8k, has the
// measurements); the others
// stay selectable so that earlier runs can be reproduced and candidates
// compared.
struct Gsm8kPromptStyle {
  std::string_view name;
  std::string_view system;       // "" = the task's system message
  std::string_view instruction;  // "" = the question alone
  bool instruction_last = false;  // the instruction follows the question instead of leading it
};
inline constexpr std::string_view kGsm8kStylePlainBoxed = "plain-boxed";                // the instruction first
inline constexpr std::string_view kGsm8kStylePlainBoxedSystem = "plain-boxed-system";  // the same text, system turn
inline constexpr std::string_view kGsm8kStylePlainBoxedLast = "plain-boxed-last";  // after the question: the default
inline constexpr std::string_view kGsm8kStyleQwenBoxed = "qwen-boxed";                  // Qwen's own CoT system line
inline constexpr std::string_view kGsm8kStyleAnswerIs = "answer-is";  // before issue 8 (eval-results/qwen-gsm8k)
inline constexpr std::string_view kGsm8kDefaultStyle = kGsm8kStylePlainBoxedLast;
std::span<const Gsm8kPromptStyle> Gsm8kPromptStyles();
// "" = the default; Error(kInvalidArgument) naming the styles otherwise.
const Gsm8kPromptStyle& Gsm8kPromptStyleByName(std::string_view name);

// The default token cap of gsm8k (math_tasks.cc says why).
inline constexpr int kGsm8kDefaultMaxTokens = 1024;

// Whether a response contains an invented program-output block ("```output"):
// the coder model writes a program and imagines running it.
bool HasOutputBlock(std::string_view response);

std::unique_ptr<Task> MakeGsm8kTask(const TaskOptions& options);
std::unique_ptr<Task> MakeArithTask(const TaskOptions& options);

// arith's declared splits. The items are generated, so a split is a fixed
// item seed (whatever -s says) and a size; --limit takes the first N. Seed 0,
// the default without --split, was analysed by earlier sessions, so neither
// split uses it. Draws from one generator repeat questions (at difficulty 1,
// 73 of the first 1,000 holdout draws are dev questions), and a method chosen
// on dev would meet its own dev answers again: holdout skips every question
// that is in dev (at the same difficulty), so its item ids, the generator
// indices, have gaps.
struct ArithSplit {
  const char* name;
  uint64_t item_seed;
  int items;
  const char* disjoint_from;  // nullptr, or the split whose questions this one skips
};
std::span<const ArithSplit> ArithSplits();

// The arith scorer for comparisons: the first of the two candidates the
// response names as a standalone number (nullopt if neither).
std::optional<std::string> FirstCandidateMentioned(std::string_view response, const std::string& a,
                                                   const std::string& b);

}  // namespace entropix
