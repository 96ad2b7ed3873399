// The sampling primitive: temperature -> top-k -> top-p -> min-p ->
// renormalise -> exact categorical draw (SAMPLER.md section 4).
//
// Candidates are (logit, id) pairs in a scratch buffer reused across tokens
// (no allocation per token once it has grown to the vocabulary). top-k is a
// partial selection in one pass; top-p sorts only as long a prefix of the
// descending order as it needs. Ties are broken by the lower token id, so the
// result is a function of (logits, params, rng state) alone.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sampling/rng.h"

namespace entropix {

// Every sampling temperature is clamped to this range before use. Below the
// floor, 1/T overflows for denormal T and the draw is an argmax anyway; above
// the ceiling the distribution is flat for any real logits. (--temp accepts
// [0, kMaxTemperature].)
inline constexpr double kMinTemperature = 1e-6;
inline constexpr double kMaxTemperature = 100.0;

struct SamplingParams {
  double temperature = 1.0;  // <= 0: argmax (the other fields are ignored)
  int top_k = 0;             // <= 0 or >= vocab: off
  double top_p = 1.0;        // >= 1: off. Smallest descending set whose mass reaches top_p
  double min_p = 0.0;        // <= 0: off. Keep p_i >= min_p * p_max (at the temperature)
};

class CandidateSet {
 public:
  struct Candidate {
    float logit;
    int32_t id;
    double weight;  // exp((logit - max) / T), unnormalised
  };

  // Runs the filter chain over `logits`; afterwards candidates() holds the
  // survivors with their tempered weights (unnormalised) and total() their sum.
  // Requires params.temperature > 0.
  void Filter(std::span<const float> logits, const SamplingParams& params);

  // One exact categorical draw from the survivors (inverse CDF in double).
  int32_t Draw(Rng& rng) const;
  // Draws without replacement until n distinct ids or the survivors run out;
  // appends to *out in draw order. Changes the weights.
  void DrawDistinct(int n, Rng& rng, std::vector<int32_t>* out);

  std::span<const Candidate> candidates() const { return {c_.data(), size_}; }
  double total() const { return total_; }

 private:
  void SelectTopK(std::span<const float> logits, int k);
  void SortPrefix(size_t m);  // the first m candidates in descending order

  std::vector<Candidate> c_;  // [capacity]; the first size_ are live
  size_t size_ = 0;
  size_t sorted_ = 0;         // length of the prefix known to be in descending order
  double total_ = 0.0;
};

// Descending order with ties to the lower id: the order every filter uses.
inline bool CandidateBefore(const CandidateSet::Candidate& a, const CandidateSet::Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// Convenience for callers without a scratch buffer: Filter + Draw
// (argmax when temperature <= 0).
int32_t SampleToken(std::span<const float> logits, const SamplingParams& params, Rng& rng,
                    CandidateSet& scratch);

}  // namespace entropix
