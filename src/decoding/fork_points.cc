#include "decoding/fork_points.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "core/error.h"

namespace entropix {
namespace {

// All positions in the order the rule ranks them.
std::vector<int> RankedPositions(std::span<const float> entropy_bits, ForkRule rule, Rng& rng) {
  std::vector<int> order(entropy_bits.size());
  std::iota(order.begin(), order.end(), 0);
  if (rule == ForkRule::kRandom) {
    // Fisher-Yates with the request's own generator (reproducible per seed).
    for (size_t i = order.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(rng.Uniform() * static_cast<double>(i));
      std::swap(order[i - 1], order[std::min(j, i - 1)]);
    }
  } else {
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return entropy_bits[a] > entropy_bits[b]; });
  }
  return order;
}

bool FarFromAll(int p, const std::vector<ForkPoint>& chosen, int min_gap) {
  for (const ForkPoint& f : chosen) {
    if (std::abs(f.position - p) < min_gap) return false;
  }
  return true;
}

}  // namespace

std::vector<ForkPoint> PlanForks(std::span<const float> entropy_bits, std::span<const float> margin,
                                 const ForkParams& params, TokenRange answer, int count, Rng& rng) {
  ENTROPIX_CHECK(entropy_bits.size() == margin.size());
  std::vector<ForkPoint> out;
  if (count <= 0 || entropy_bits.empty() || params.rule == ForkRule::kIndependentSample) return out;
  if (params.rule == ForkRule::kFirstToken) return PlannedAhead(params, count);
  auto eligible = [&](int p) { return !answer.Contains(p) && margin[p] < 1.0f; };
  if (params.include_first && eligible(0)) out.push_back({0, 2});
  for (int p : RankedPositions(entropy_bits, params.rule, rng)) {
    if (static_cast<int>(out.size()) >= count) break;
    if (eligible(p) && FarFromAll(p, out, params.min_gap)) out.push_back({p, 2});
  }
  return out;
}

std::vector<ForkPoint> PlannedAhead(const ForkParams& params, int count) {
  std::vector<ForkPoint> out;
  if (params.rule != ForkRule::kFirstToken) return out;
  for (int r = 0; r < count; ++r) out.push_back({0, 2 + r});
  return out;
}

}  // namespace entropix
