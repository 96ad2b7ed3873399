#include "eval/statistics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace entropix {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): small, fast and reproducible.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n): Lemire's multiply-shift (bias < n / 2^64, negligible).
  size_t Below(size_t n) {
    return static_cast<size_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

double Mean(std::span<const double> v) {
  if (v.empty()) return 0.0;
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Linear-interpolated quantile of sorted values (type 7, as R and NumPy default).
double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

void CheckArgs(int resamples, double level) {
  if (resamples < 1) throw Error(ErrorCode::kInvalidArgument, "bootstrap: resamples must be >= 1");
  if (!(level > 0.0 && level < 1.0)) throw Error(ErrorCode::kInvalidArgument, "bootstrap: level must be in (0, 1)");
}

}  // namespace

Interval BootstrapMean(std::span<const double> values, int resamples, uint64_t seed, double level) {
  CheckArgs(resamples, level);
  Interval r;
  if (values.empty()) return r;
  r.estimate = Mean(values);
  SplitMix64 rng(seed);
  std::vector<double> means(static_cast<size_t>(resamples));
  const size_t n = values.size();
  for (double& m : means) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += values[rng.Below(n)];
    m = s / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  const double tail = (1.0 - level) / 2.0;
  r.low = Quantile(means, tail);
  r.high = Quantile(means, 1.0 - tail);
  return r;
}

double Percentile(std::span<const double> values, double q) {
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  return Quantile(sorted, q);
}

std::vector<double> HolmAdjust(std::span<const double> p) {
  const size_t m = p.size();
  std::vector<size_t> order(m);
  for (size_t i = 0; i < m; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> out(m);
  double running = 0.0;  // the step-down maximum keeps the adjusted values monotone
  for (size_t rank = 0; rank < m; ++rank) {
    const size_t i = order[rank];
    running = std::max(running, std::min(1.0, static_cast<double>(m - rank) * p[i]));
    out[i] = running;
  }
  return out;
}

double McNemarExactP(int b, int c) {
  if (b < 0 || c < 0) throw Error(ErrorCode::kInvalidArgument, "McNemar: negative count");
  const int n = b + c;
  if (n == 0) return 1.0;
  const int k = std::min(b, c);
  // P[X <= k] for X ~ Binomial(n, 1/2), summed in log space so large n is safe.
  double tail = 0.0;
  for (int i = 0; i <= k; ++i) {
    const double log_term = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) -
                            n * std::log(2.0);
    tail += std::exp(log_term);
  }
  return std::min(1.0, 2.0 * tail);
}

PairedComparison ComparePaired(std::span<const double> a, std::span<const double> b, int resamples,
                               uint64_t seed, double level) {
  CheckArgs(resamples, level);
  if (a.size() != b.size()) throw Error(ErrorCode::kInvalidArgument, "paired comparison: samples differ in size");
  PairedComparison r;
  const size_t n = a.size();
  if (n == 0) return r;
  std::vector<double> d(n);
  for (size_t i = 0; i < n; ++i) {
    d[i] = a[i] - b[i];
    const bool ai = a[i] > 0.5, bi = b[i] > 0.5;
    if (ai && !bi) ++r.a_only;
    if (!ai && bi) ++r.b_only;
  }
  const double observed = Mean(d);
  SplitMix64 rng(seed);
  std::vector<double> diffs(static_cast<size_t>(resamples));
  int extreme = 0;
  for (double& m : diffs) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += d[rng.Below(n)];
    m = s / static_cast<double>(n);
    // Shifted to the null (mean difference 0): how often is a resample at
    // least as far from the observed value as the observed value is from 0?
    if (std::fabs(m - observed) >= std::fabs(observed) - 1e-12) ++extreme;
  }
  std::sort(diffs.begin(), diffs.end());
  const double tail = (1.0 - level) / 2.0;
  r.difference = {observed, Quantile(diffs, tail), Quantile(diffs, 1.0 - tail)};
  r.bootstrap_p = observed == 0.0 ? 1.0 : static_cast<double>(extreme) / resamples;
  r.mcnemar_p = McNemarExactP(r.a_only, r.b_only);
  return r;
}

}  // namespace entropix
