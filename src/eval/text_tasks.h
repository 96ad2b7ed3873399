// IFEval (instruction following, strict and loose) and loops (open-ended
// prompts: degeneration rate and distinct-n).
#pragma once

#include "eval/task.h"

namespace entropix {

class JsonFields;

std::unique_ptr<Task> MakeIfevalTask(const TaskOptions& options);
std::unique_ptr<Task> MakeLoopsTask(const TaskOptions& options);

// The shape of an IFEval record's details (what IfevalTask's Score writes and
// Summarize reads): Error(kCorruptFile) through `details` otherwise.
void CheckIfevalDetails(const JsonFields& details);

// Degeneration: the token sequence ends in a loop, i.e. some n-gram
// (1 <= n <= max_n) repeats back to back at least `min_repeats` times at the
// end of the generation and the repeated tail covers >= min_tail tokens.
// Returns the period of the loop (0: none).
struct DegenerationRule {
  int max_n = 16;        // longest period checked, in tokens
  int min_repeats = 3;   // back-to-back copies of the n-gram
  int min_tail = 12;     // tokens the repeating tail must cover
};
int TrailingLoopPeriod(const std::vector<int32_t>& tokens, const DegenerationRule& rule = {});

// distinct-n over a set of generations: distinct n-grams / all n-grams
// (Li et al. 2016), 0 when there are no n-grams.
double DistinctN(const std::vector<std::vector<int32_t>>& generations, int n);

}  // namespace entropix
