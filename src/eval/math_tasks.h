// GSM8K (word problems, chain-of-thought, final-number exact match) and
// arith (seeded synthetic arithmetic and comparison questions).
#pragma once

#include "eval/task.h"

namespace entropix {

std::unique_ptr<Task> MakeGsm8kTask(const TaskOptions& options);
std::unique_ptr<Task> MakeArithTask(const TaskOptions& options);

// The arith scorer for comparisons: the first of the two candidates the
// response names as a standalone number (nullopt if neither).
std::optional<std::string> FirstCandidateMentioned(std::string_view response, const std::string& a,
                                                   const std::string& b);

}  // namespace entropix
