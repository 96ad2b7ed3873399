#include "sampling/branching.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace entropix {

BranchOutcome RunBranches(std::span<const float> logits, const LogitStats& stats,
                          const SamplingParams& base, const BranchParams& params, int max_tokens,
                          BranchHost& host, CandidateSet& scratch, Rng& rng) {
  ENTROPIX_CHECK(max_tokens >= 1 && params.n_branches >= 1);
  BranchOutcome out;
  // Distinct first tokens: draws without replacement from the base sampler's
  // filtered distribution (at T = 1 if the base is greedy).
  SamplingParams first = base;
  if (first.temperature <= 0.0) first.temperature = 1.0;
  scratch.Filter(logits, first);
  std::vector<int32_t> firsts;
  scratch.DrawDistinct(params.n_branches, rng, &firsts);
  // `logits` may live in the host's scratch, which the first Step overwrites:
  // read what is needed of it now.
  std::vector<double> first_logprobs;
  for (int32_t t : firsts) first_logprobs.push_back(stats.LogProb(logits[t]));

  double best = -std::numeric_limits<double>::infinity();
  int best_index = -1;
  for (size_t b = 0; b < firsts.size(); ++b) {
    if (b > 0) host.Rewind();
    BranchRollout r;
    int32_t tok = firsts[b];
    LogitStats st = stats;
    std::span<const float> cur;
    for (;;) {
      r.tokens.push_back(tok);
      r.logprobs.push_back(cur.empty() ? first_logprobs[b] : st.LogProb(cur[tok]));
      r.entropy.push_back(st.entropy_bits);
      r.varentropy.push_back(st.varentropy_bits);
      if (host.IsEnd(tok)) {
        r.ended_by_end = true;
        break;
      }
      cur = host.Step(tok);
      ++r.forwards;
      if (host.IsDelimiter(tok) || static_cast<int>(r.tokens.size()) >= max_tokens) break;
      st = ComputeLogitStats(cur);
      tok = SampleToken(cur, base, rng, scratch);
    }
    double mean_lp = 0.0, mean_h = 0.0;
    for (size_t i = 0; i < r.tokens.size(); ++i) {
      mean_lp += r.logprobs[i];
      mean_h += r.entropy[i];
    }
    mean_lp /= r.tokens.size();
    mean_h /= r.tokens.size();
    r.score = params.score == BranchScore::kMeanEntropy ? -mean_h : mean_lp;
    out.forwards += r.forwards;
    // Ties: the earlier branch. The first branch is always kept, so that
    // NaN scores cannot leave no winner.
    if (best_index < 0 || r.score > best) {
      best = r.score;
      best_index = static_cast<int>(b);
      host.KeepAsBest();
    }
    out.branches.push_back(std::move(r));
  }
  ENTROPIX_CHECK(best_index >= 0);
  out.winner = best_index;
  host.CommitBest(best_index + 1 == static_cast<int>(firsts.size()));
  out.extra_forwards = out.forwards - out.branches[best_index].forwards;
  return out;
}

}  // namespace entropix
