// Statistics of an evaluation: bootstrap intervals of a mean, the paired
// bootstrap of a difference of means, McNemar's exact test and Holm's
// adjustment for a family of comparisons.
//
// All resampling uses our own seeded generator (SplitMix64 with a
// multiply-shift index map), so intervals are identical on every platform
// and standard library.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace entropix {

struct Interval {
  double estimate = 0.0;  // the statistic on the original sample
  double low = 0.0;       // 2.5 % percentile of the bootstrap distribution (for level 0.95)
  double high = 0.0;      // 97.5 % percentile
};

// Percentile bootstrap interval of the mean of `values` (empty: all zero).
Interval BootstrapMean(std::span<const double> values, int resamples, uint64_t seed,
                       double level = 0.95);

struct PairedComparison {
  Interval difference;         // mean(a) - mean(b), paired by index
  double bootstrap_p = 1.0;    // two-sided: share of |d* - d| >= |d| (the null-shifted bootstrap)
  int a_only = 0;              // items where a = 1 and b = 0 (binary values only)
  int b_only = 0;              // items where a = 0 and b = 1
  double mcnemar_p = 1.0;      // exact two-sided McNemar p-value from a_only / b_only
};

// a and b hold one value per item, the same items in the same order.
// Values are usually 0/1; the McNemar counts treat > 0.5 as 1.
PairedComparison ComparePaired(std::span<const double> a, std::span<const double> b, int resamples,
                               uint64_t seed, double level = 0.95);

// The q-quantile (0..1) of `values`, linearly interpolated (type 7, as R
// and NumPy default); 0 for no values.
double Percentile(std::span<const double> values, double q);

// Holm's step-down adjustment (Holm 1979) of a family of p-values: with the
// p sorted ascending, p_(i) becomes max over j <= i of min(1, (m - j + 1) p_(j))
// (1-based). Controls the family-wise error rate like Bonferroni, but is
// never less powerful. Returned in the input order.
std::vector<double> HolmAdjust(std::span<const double> p);

// Exact two-sided McNemar test: under H0 the discordant pairs split as
// Binomial(b + c, 1/2); p = min(1, 2 * P[X <= min(b, c)]). b + c = 0 gives 1.
double McNemarExactP(int b, int c);

}  // namespace entropix
