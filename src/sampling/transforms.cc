#include "sampling/transforms.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "sampling/basic_sampler.h"
#include "sampling/metrics.h"

namespace entropix {
namespace {

// Above this k, one nth_element over a full candidate array beats the heap.
constexpr int kHeapTopKLimit = 256;

// Min-heap order on CandidateBefore: the front is the weakest kept candidate.
bool HeapCmp(const CandidateSet::Candidate& a, const CandidateSet::Candidate& b) {
  return CandidateBefore(a, b);
}

}  // namespace

void CandidateSet::SelectTopK(std::span<const float> logits, int k) {
  const size_t n = logits.size();
  if (k <= kHeapTopKLimit) {
    // One pass; an element enters only if it beats the weakest of the k kept
    // ones. Ids arrive in increasing order, so an equal logit never beats a
    // kept one (ties go to the lower id).
    size_ = static_cast<size_t>(k);
    for (int i = 0; i < k; ++i) c_[i] = {logits[i], i, 0.0};
    std::make_heap(c_.begin(), c_.begin() + k, HeapCmp);
    for (size_t i = k; i < n; ++i) {
      if (logits[i] > c_[0].logit) {
        std::pop_heap(c_.begin(), c_.begin() + k, HeapCmp);
        c_[k - 1] = {logits[i], static_cast<int32_t>(i), 0.0};
        std::push_heap(c_.begin(), c_.begin() + k, HeapCmp);
      }
    }
  } else {
    for (size_t i = 0; i < n; ++i) c_[i] = {logits[i], static_cast<int32_t>(i), 0.0};
    std::nth_element(c_.begin(), c_.begin() + k, c_.begin() + n, CandidateBefore);
    size_ = static_cast<size_t>(k);
  }
  std::sort(c_.begin(), c_.begin() + size_, CandidateBefore);
  sorted_ = size_;
}

void CandidateSet::SortPrefix(size_t m) {
  m = std::min(m, size_);
  if (m <= sorted_) return;
  // Everything past sorted_ is <= everything before it, so selecting and
  // sorting the next block extends the descending prefix.
  auto first = c_.begin() + sorted_;
  std::nth_element(first, c_.begin() + m, c_.begin() + size_, CandidateBefore);
  std::sort(first, c_.begin() + m, CandidateBefore);
  sorted_ = m;
}

void CandidateSet::Filter(std::span<const float> logits, const SamplingParams& p) {
  ENTROPIX_CHECK(!logits.empty());
  // Data-dependent, so Errors rather than checks: NaN would break the sort
  // order below (undefined behaviour in std::sort) and +inf the weights.
  if (std::isnan(p.temperature) || std::isnan(p.top_p) || std::isnan(p.min_p)) {
    throw Error(ErrorCode::kInvalidArgument, "a sampling parameter is NaN (temperature, top_p or min_p)");
  }
  if (!(p.temperature > 0.0)) {
    throw Error(ErrorCode::kInvalidArgument, "the sampling temperature must be > 0 (0 means argmax)");
  }
  CheckFiniteLogits(logits, /*allow_minus_inf=*/true);
  const size_t n = logits.size();
  if (c_.size() < n) c_.resize(n);
  if (p.top_k > 0 && static_cast<size_t>(p.top_k) < n) {
    SelectTopK(logits, p.top_k);
  } else {
    for (size_t i = 0; i < n; ++i) c_[i] = {logits[i], static_cast<int32_t>(i), 0.0};
    size_ = n;
    sorted_ = 0;
  }
  // Temperature: weights relative to the best survivor (the global maximum).
  float max = c_[0].logit;
  if (sorted_ == 0) {
    for (size_t i = 1; i < size_; ++i) max = std::max(max, c_[i].logit);
  }
  const double inv_t = 1.0 / std::clamp(p.temperature, kMinTemperature, kMaxTemperature);
  double total = 0.0;
  for (size_t i = 0; i < size_; ++i) {
    c_[i].weight = std::exp((static_cast<double>(c_[i].logit) - max) * inv_t);
    total += c_[i].weight;
  }
  // top-p on the descending order: keep the smallest prefix whose mass reaches p.
  if (p.top_p < 1.0) {
    const double target = std::max(p.top_p, 0.0) * total;
    double acc = 0.0;
    size_t keep = size_;
    size_t want = 64;
    for (size_t i = 0; i < size_; ++i) {
      if (i == sorted_) {
        SortPrefix(want);
        want *= 4;
      }
      acc += c_[i].weight;
      if (acc >= target) {
        keep = i + 1;
        break;
      }
    }
    if (keep < size_) {
      size_ = keep;
      sorted_ = std::min(sorted_, size_);
      total = acc;
    }
  }
  // min-p relative to the most probable survivor (weight 1 at the max).
  if (p.min_p > 0.0) {
    // p_i / p_max = w_i / 1; at most 1 so that the most probable survives.
    const double floor_w = std::min(p.min_p, 1.0);
    size_t out = 0;
    double kept = 0.0;
    for (size_t i = 0; i < size_; ++i) {
      if (c_[i].weight >= floor_w) {
        c_[out++] = c_[i];
        kept += c_[i].weight;
      }
    }
    // Compaction keeps relative order, so a sorted prefix stays sorted up to
    // where it was; recompute conservatively.
    if (out < size_) sorted_ = std::min(sorted_, out);
    size_ = out;
    total = kept;
  }
  // The best candidate has weight exactly 1 and survives every filter; only
  // an all -inf input (max - max = NaN) gets here without a finite total.
  if (!(total >= 1.0) || !std::isfinite(total)) CheckFiniteLogits(logits);
  ENTROPIX_CHECK(size_ > 0);
  total_ = total;
}

int32_t CandidateSet::Draw(Rng& rng) const {
  const double u = rng.Uniform() * total_;
  double acc = 0.0;
  int32_t last = c_[0].id;
  for (size_t i = 0; i < size_; ++i) {
    if (c_[i].weight <= 0.0) continue;
    acc += c_[i].weight;
    last = c_[i].id;
    if (u < acc) return c_[i].id;
  }
  return last;  // rounding left u at the very end
}

void CandidateSet::DrawDistinct(int n, Rng& rng, std::vector<int32_t>* out) {
  for (int k = 0; k < n && total_ > 0.0; ++k) {
    const int32_t id = Draw(rng);
    out->push_back(id);
    for (size_t i = 0; i < size_; ++i) {
      if (c_[i].id == id) {
        total_ -= c_[i].weight;
        c_[i].weight = 0.0;
        break;
      }
    }
    // Recompute the remaining mass exactly rather than trust the subtraction.
    double t = 0.0;
    for (size_t i = 0; i < size_; ++i) t += c_[i].weight;
    total_ = t;
  }
}

int32_t SampleToken(std::span<const float> logits, const SamplingParams& params, Rng& rng,
                    CandidateSet& scratch) {
  if (params.temperature <= 0.0) return Argmax(logits);
  scratch.Filter(logits, params);
  return scratch.Draw(rng);
}

}  // namespace entropix
