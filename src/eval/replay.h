// Offline replay of decoding methods on stored trace pools
// (eval/trace_pool.h): no model is run. The gated vote is the live
// VoteStrategy itself, driven by a TraceHost that serves the stored trace
// for each request (same parent, fork position, token rules, and seed where
// a rule samples), so a replay equals the live `vote` run whenever the pool
// holds every trace the run asks for. A request the pool lacks is a miss:
// the item is left out of that method's row (and counted), never guessed.
//
// Methods:
//   greedy   the greedy trace
//   sc@K     self-consistency: majority over K independent samples (ties:
//            the answer seen first; no answers: the first sample), its
//            score and forward tokens averaged over K-subsets of all the
//            stored samples (every subset up to 200 of them, else 200
//            seeded random ones), so the value is an expectation, not one
//            draw;
//            the chosen trace is that of the first K samples
//   pass@K   the oracle ceiling: right when any of K independent samples
//            is right (a verifier no method has), averaged over K-subsets
//            like sc@K; never chosen by ChooseMethod
//   cot@K    CoT-decoding: greedy plus the first K-1 first-token forks; the
//            trace with the highest answer-span margin (none: greedy)
//   PROFILE  the gated vote under a vote profile (name or file)
// Compute: forward token-steps per item, prompt prefills included (every
// trace started from the prompt pays its prompt), as eval records count it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "decoding/vote_profile.h"
#include "eval/statistics.h"
#include "eval/trace_pool.h"

namespace entropix {

struct ReplayMethod {
  enum class Kind { kGreedy, kSelfConsistency, kPassAtK, kCotDecoding, kVote };
  std::string label;
  Kind kind = Kind::kGreedy;
  int k = 1;            // sc, pass, cot
  VoteProfile profile;  // vote
};

// "greedy,sc@8,cot@8,vote-default,my.json" (Error(kInvalidArgument) naming a
// bad element). A vote profile may carry overrides of its JSON fields, each
// with one value or several separated by '|' (a grid: every combination
// becomes a method, labelled with its own values):
//   vote-default:gate.answer_margin=0.2|0.4:vote.weight=uniform|confidence
// The changed profile is checked like a profile file (eval/replay_methods.cc).
std::vector<ReplayMethod> ParseReplayMethods(const std::string& list);

struct ReplayOutcome {
  bool replayed = false;  // false: the pool lacks a trace the method asks for
  double correct = 0.0;
  int64_t forward_tokens = 0;
  int traces = 0;
  std::string stop_reason;  // vote: the strategy's
  int chosen_trace = -1;    // the pool id of the returned trace
};

ReplayOutcome ReplayItem(const PoolItem& item, const ReplayMethod& method);

struct ReplayRow {
  std::string label;
  int items = 0;   // replayed
  int missed = 0;  // left out: a pool miss
  Interval accuracy;
  PairedComparison vs_greedy;  // on the items this row replayed
  double mean_forward_tokens = 0.0;
  double p90_forward_tokens = 0.0;
  double one_trace_share = 0.0;  // items answered by a single trace
  double one_trace_accuracy = 0.0;  // the accuracy on those items (0 when there are none)
  // mean_forward_tokens over greedy's mean on the same items (0: greedy cost nothing)
  double compute_vs_greedy = 0.0;
  std::vector<std::pair<std::string, ReplayOutcome>> per_item;  // item id and its outcome, in pool order
};

std::vector<ReplayRow> ReplayPool(std::span<const PoolItem> items, std::span<const ReplayMethod> methods,
                                  int resamples, uint64_t seed);

nlohmann::json ReplayJson(const std::vector<ReplayRow>& rows);
// One JSON line per (method, item): replayed, correct, forward tokens,
// traces, stop reason, chosen pool trace.
std::string ReplayItemsJsonl(const std::vector<ReplayRow>& rows);
std::string ReplayMarkdown(const std::vector<ReplayRow>& rows);

// Every row against the row `base` (e.g. the frozen method against sc@k at
// matched compute), paired on the items both replayed: the difference with
// its bootstrap interval and p, and the exact McNemar p with its Holm
// adjustment over the rows other than `base` (sc@K and pass@K per-item
// shares count as right above 1/2 there, as in the vs-greedy column).
struct VersusRow {
  std::string label;
  int items = 0;
  PairedComparison comparison;
  double mcnemar_holm = 1.0;
};
// Rows come from one ReplayPool call, so their per_item lists are in the
// same item order and are paired by position. The base's own row is kept
// (difference 0) so that indices match `rows`; the outputs leave it out.
std::vector<VersusRow> CompareWith(const std::vector<ReplayRow>& rows, size_t base, int resamples, uint64_t seed);
// Bootstrap p below 1/resamples prints as "< 0.0005" (R = 2000), as in eval's summary.
std::string VersusMarkdown(const std::vector<VersusRow>& rows, size_t base, int resamples);
nlohmann::json VersusJson(const std::vector<VersusRow>& rows, size_t base);

// The dev selection rule (docs/EVALUATION.md "Choosing on dev"): among the
// vote-profile methods replayed on every item (no miss) whose mean compute
// is at most `max_compute` x greedy's, the one with the highest accuracy;
// ties go to the lower mean compute, then to the earlier method. -1: none
// qualifies.
int ChooseMethod(std::span<const ReplayRow> rows, std::span<const ReplayMethod> methods, double max_compute);
// Accuracy versus mean forward tokens per item, one point per method.
std::string ReplayChartSvg(const std::vector<ReplayRow>& rows);

}  // namespace entropix
