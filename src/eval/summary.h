// The summary of an evaluation folder: per sampler the task's metric with a
// bootstrap interval, paired comparisons with raw and Holm-adjusted
// p-values, several-draw statistics (pass@M, majority@M), cap hits and
// compute; written as summary.json, summary.md and SVG charts.
//
// With M draws per item a sampler's per-item value is the mean over its
// draws, and every interval and paired test resamples items (the draws of
// an item stay together). McNemar needs one 0/1 outcome per item, so it is
// only reported between one-draw samplers.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "eval/eval_record.h"

namespace entropix {

class Task;

struct SummarySampler {
  std::string label;
  int draws = 1;  // draws per item the summary uses (0 .. draws-1)
};

// Statistics from the records of `samplers` on the task's items that every
// one of them has finished with all its draws (so comparisons are paired);
// records of other items or later draws (an earlier run with a higher
// --limit or --draws) are left out.
nlohmann::json Summarize(const Task& task, std::span<const SummarySampler> samplers,
                         std::span<const EvalRecord> records, int resamples, uint64_t seed);
std::string SummaryMarkdown(const nlohmann::json& summary);

struct Summary {
  nlohmann::json json;
  std::string markdown;
};

// Summarize, then write summary.json, summary.md and the charts into
// out_dir: ACCURACY.svg (bars with intervals), ACCURACY_difference_vs_greedy.svg
// (each sampler minus greedy, when greedy is listed first) and
// ACCURACY_vs_compute.svg (when every record has its forward tokens), where
// ACCURACY is "accuracy" for tasks where higher is better, else the metric's
// name (loops: degeneration_rate).
Summary WriteSummaryFiles(const std::string& out_dir, const Task& task, std::span<const SummarySampler> samplers,
                          std::span<const EvalRecord> records, int resamples, uint64_t seed);

// One draw's outcome for the majority vote.
struct DrawOutcome {
  std::string answer;    // the extracted answer ("" = none: does not vote)
  double correct = 0.0;  // its score
};
// majority@M: the score of the most frequent non-empty answer (a tie goes
// to the answer drawn first); 0 when no draw has an answer.
double MajorityScore(std::span<const DrawOutcome> draws);

// The answer a record votes with: details.answer when the task writes it
// (a string), else the record's `extracted` field.
std::string VotingAnswer(const EvalRecord& record);

// p for a table: "0.042", or "< 0.0005" below `resolution` (a bootstrap
// with R resamples cannot resolve p below 1/R).
std::string FormatP(double p, double resolution);

}  // namespace entropix
