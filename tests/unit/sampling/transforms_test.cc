// The sampling primitive: top-k / top-p / min-p properties (ties included)
// against brute force, and a chi-square test of the categorical draw.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "core/error.h"
#include "sampling/rng.h"
#include "sampling/transforms.h"

namespace entropix {
namespace {

std::set<int32_t> Survivors(const CandidateSet& c) {
  std::set<int32_t> s;
  for (const auto& x : c.candidates()) s.insert(x.id);
  return s;
}

// Brute force: full sort (descending, ties to the lower id), then the chain.
std::set<int32_t> Reference(const std::vector<float>& l, const SamplingParams& p) {
  std::vector<int32_t> order(l.size());
  for (size_t i = 0; i < l.size(); ++i) order[i] = static_cast<int32_t>(i);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return l[a] > l[b] || (l[a] == l[b] && a < b); });
  size_t n = order.size();
  if (p.top_k > 0) n = std::min<size_t>(n, p.top_k);
  std::vector<double> w;
  for (size_t i = 0; i < n; ++i) w.push_back(std::exp((static_cast<double>(l[order[i]]) - l[order[0]]) / p.temperature));
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += w[i];
  if (p.top_p < 1.0) {
    double acc = 0;
    for (size_t i = 0; i < n; ++i) {
      acc += w[i];
      if (acc >= p.top_p * total) {
        n = i + 1;
        break;
      }
    }
  }
  std::set<int32_t> out;
  for (size_t i = 0; i < n; ++i) {
    if (p.min_p <= 0 || w[i] >= p.min_p * w[0]) out.insert(order[i]);
  }
  return out;
}

TEST(Transforms, ChainMatchesBruteForce) {
  Rng rng(3);
  CandidateSet c;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 1 + static_cast<int>(rng.Next() % 700);
    std::vector<float> l(n);
    // Coarse values make ties common.
    for (auto& x : l) x = static_cast<float>(std::floor(rng.Uniform() * 12.0) * 0.5);
    SamplingParams p;
    p.temperature = 0.3 + rng.Uniform() * 2.0;
    p.top_k = static_cast<int>(rng.Next() % 4 == 0 ? 0 : 1 + rng.Next() % 300);
    p.top_p = rng.Next() % 3 == 0 ? 1.0 : 0.05 + rng.Uniform() * 0.9;
    p.min_p = rng.Next() % 3 == 0 ? 0.0 : rng.Uniform() * 0.5;
    c.Filter(l, p);
    ASSERT_EQ(Survivors(c), Reference(l, p)) << "trial " << trial << " n " << n << " k " << p.top_k
                                             << " p " << p.top_p << " min_p " << p.min_p;
    double total = 0;
    for (const auto& x : c.candidates()) total += x.weight;
    EXPECT_NEAR(total, c.total(), 1e-9 * total);
  }
}

TEST(Transforms, TopKTiesGoToLowerIds) {
  CandidateSet c;
  const std::vector<float> l = {1, 5, 5, 3, 5, 5, 0};
  c.Filter(l, {1.0, 3, 1.0, 0.0});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{1, 2, 4}));
  c.Filter(l, {1.0, 1, 1.0, 0.0});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{1}));
  // Large k (the nth_element path) with ties.
  std::vector<float> big(5000, 1.0f);
  c.Filter(big, {1.0, 300, 1.0, 0.0});
  const auto s = Survivors(c);
  EXPECT_EQ(s.size(), 300u);
  EXPECT_EQ(*s.rbegin(), 299);
}

TEST(Transforms, TopPSmallestSetReachingP) {
  CandidateSet c;
  // p = (0.5, 0.3, 0.2) in shuffled order.
  const std::vector<float> l = {std::log(0.2f), std::log(0.5f), std::log(0.3f)};
  c.Filter(l, {1.0, 0, 0.5, 0.0});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{1}));  // 0.5 reaches 0.5
  c.Filter(l, {1.0, 0, 0.51, 0.0});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{1, 2}));
  c.Filter(l, {1.0, 0, 0.95, 0.0});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{0, 1, 2}));
  // Ties: four equal tokens, p = 0.5 keeps exactly two, the lower ids.
  c.Filter(std::vector<float>{0, 0, 0, 0}, {1.0, 0, 0.5, 0.0});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{0, 1}));
  // Temperature comes first: at T = 0.1 the top token alone holds > 0.99.
  c.Filter(l, {0.1, 0, 0.99, 0.0});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{1}));
}

TEST(Transforms, MinPRelativeToTop) {
  CandidateSet c;
  const std::vector<float> l = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  c.Filter(l, {1.0, 0, 1.0, 0.29});  // keep p >= 0.145
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{0, 1, 2}));
  c.Filter(l, {1.0, 0, 1.0, 0.61});  // keep p >= 0.305
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{0}));
  // min-p takes effect (the reference's never did) and at the temperature:
  // at T = 2 the ratios are square roots, 0.05/0.5 -> 0.316 >= 0.3.
  c.Filter(l, {2.0, 0, 1.0, 0.3});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{0, 1, 2, 3}));
}

// Chi-square goodness of fit of 200k seeded draws against the renormalised
// filtered distribution (df = 5; 20.52 is the 0.999 quantile).
TEST(Transforms, CategoricalDrawChiSquare) {
  const std::vector<float> l = {2.0f, 1.0f, 0.5f, 0.0f, -0.5f, -1.0f, -6.0f, -7.0f};
  const SamplingParams p{0.8, 6, 1.0, 0.0};
  CandidateSet c;
  c.Filter(l, p);
  std::vector<double> expect(l.size(), 0.0);
  for (const auto& x : c.candidates()) expect[x.id] = x.weight / c.total();
  Rng rng(12345);
  const int n = 200000;
  std::vector<int> counts(l.size(), 0);
  for (int i = 0; i < n; ++i) ++counts[c.Draw(rng)];
  double chi2 = 0;
  for (size_t i = 0; i < l.size(); ++i) {
    if (expect[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " was filtered out";
      continue;
    }
    const double e = expect[i] * n;
    chi2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  EXPECT_LT(chi2, 20.52);
  // Same seed, same draws.
  Rng a(99), b(99);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(c.Draw(a), c.Draw(b));
}

TEST(Transforms, DrawDistinct) {
  CandidateSet c;
  Rng rng(5);
  c.Filter(std::vector<float>{0, 1, 2, 3, 4}, {1.0, 3, 1.0, 0.0});
  std::vector<int32_t> ids;
  c.DrawDistinct(5, rng, &ids);
  EXPECT_EQ(ids.size(), 3u);  // only three survivors
  EXPECT_EQ(std::set<int32_t>(ids.begin(), ids.end()), (std::set<int32_t>{2, 3, 4}));
}

TEST(Transforms, ArgmaxAtZeroTemperature) {
  CandidateSet c;
  Rng rng(1);
  EXPECT_EQ(SampleToken(std::vector<float>{0, 3, 3, 1}, {0.0, 0, 1.0, 0.0}, rng, c), 1);
}

// Non-finite logits are bad input (a corrupt model), not a bug: an Error
// naming them, never an abort (issue #12 item 1). -inf is a masked logit.
TEST(Transforms, NonFiniteLogitsAreAnError) {
  CandidateSet c;
  const float nan = std::nanf("");
  for (int top_k : {0, 2, 300}) {
    for (const std::vector<float>& l : {std::vector<float>{0, nan, 1}, std::vector<float>{nan, 0, 1},
                                        std::vector<float>{0, INFINITY, 1},
                                        std::vector<float>{-INFINITY, -INFINITY}}) {
      try {
        c.Filter(l, {1.0, top_k, 0.9, 0.05});
        ADD_FAILURE() << "no error for top_k " << top_k;
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("non-finite logits"), std::string::npos) << e.what();
      }
    }
  }
  c.Filter(std::vector<float>{-INFINITY, 2, -INFINITY, 1}, {1.0, 0, 1.0, 0.01});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{1, 3}));
}

// Temperatures whose inverse overflows (denormals) or that are huge sample
// like the nearest sane temperature instead of producing NaN weights.
TEST(Transforms, ExtremeTemperaturesAreClamped) {
  CandidateSet c;
  Rng rng(1);
  const std::vector<float> l = {0, 3, 1, 2.5};
  for (double t : {1e-320, 4.9e-324, 1e-300}) {
    for (int i = 0; i < 20; ++i) EXPECT_EQ(SampleToken(l, {t, 0, 1.0, 0.0}, rng, c), 1) << t;
  }
  c.Filter(l, {1e300, 0, 1.0, 0.0});
  EXPECT_EQ(c.candidates().size(), 4u);
  EXPECT_GT(c.total(), 3.9);  // flat
  c.Filter(l, {INFINITY, 0, 1.0, 0.0});
  EXPECT_EQ(c.candidates().size(), 4u);
  EXPECT_TRUE(std::isfinite(c.total()));
  // min-p above 1 keeps the best candidate rather than nothing.
  c.Filter(l, {1.0, 0, 1.0, 1.5});
  EXPECT_EQ(Survivors(c), (std::set<int32_t>{1}));
  // A NaN parameter is a caller's mistake reported as an Error, not an abort.
  EXPECT_THROW(c.Filter(l, {std::nan(""), 0, 1.0, 0.0}), Error);
  EXPECT_THROW(c.Filter(l, {1.0, 0, std::nan(""), 0.0}), Error);
  EXPECT_THROW(c.Filter(l, {1.0, 0, 1.0, std::nan("")}), Error);
}

}  // namespace
}  // namespace entropix
