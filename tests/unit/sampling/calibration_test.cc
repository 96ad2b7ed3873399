// Calibration maths on constructed signal samples, against thresholds,
// centres and counts worked out by hand below (Quantile interpolates linearly
// between order statistics: position q * (n - 1)). Nine samples, so every
// position q * 8 is exact in binary and the expectations are exact.
#include <gtest/gtest.h>

#include <vector>

#include "sampling/calibration.h"

namespace entropix {
namespace {

// H ascending 0.5 .. 4.5; V sorted: 0.125 0.25 0.5 1 2 3 4 5 6.
std::vector<SignalSample> NineSamples() {
  struct Row { double h, v, ah, av; };
  const Row rows[] = {{0.5, 4.0, 1.0, 0.5},   {1.0, 0.25, 2.0, 1.0}, {1.5, 3.0, 1.0, 1.0},
                      {2.0, 1.0, 0.5, 0.5},   {2.5, 0.5, 3.0, 2.0},  {3.0, 2.0, 1.5, 0.5},
                      {3.5, 6.0, 2.5, 1.5},   {4.0, 0.125, 0.5, 0.25}, {4.5, 5.0, 4.0, 2.0}};
  std::vector<SignalSample> s;
  for (const Row& r : rows) {
    SignalSample x;
    x.entropy = r.h;
    x.varentropy = r.v;
    x.attn_entropy = r.ah;
    x.attn_varentropy = r.av;
    s.push_back(x);
  }
  return s;
}

CalibrationQuantiles HandQuantiles() {
  CalibrationQuantiles q;
  q.low_entropy = 0.25;        // H at position 2: 1.5
  q.medium_entropy = 0.5;      // position 4: 2.5
  q.high_entropy = 0.75;       // position 6: 3.5
  q.high_varentropy = 0.5625;  // V at position 4.5: 2 + 0.5 * (3 - 2) = 2.5
  q.low_varentropy = 0.5;      // V of the steps with H > 3.5 {0.125, 5}: 0.125 + 0.5 * 4.875 = 2.5625
  q.branch_entropy = 0.875;    // H at position 7: 4.0
  q.branch_varentropy = 0.625; // V at position 5: 3.0
  return q;
}

TEST(Calibration, QuantileInterpolates) {
  EXPECT_EQ(Quantile({3.0, 1.0, 2.0}, 0.0), 1.0);
  EXPECT_EQ(Quantile({3.0, 1.0, 2.0}, 0.5), 2.0);
  EXPECT_EQ(Quantile({3.0, 1.0, 2.0}, 0.75), 2.5);
  EXPECT_EQ(Quantile({3.0, 1.0, 2.0}, 1.0), 3.0);
  EXPECT_EQ(Quantile({7.0}, 0.3), 7.0);
}

TEST(Calibration, ThresholdsAtTheQuantiles) {
  const EntropixThresholds t = FitThresholds(NineSamples(), HandQuantiles());
  EXPECT_EQ(t.low_entropy, 1.5);
  EXPECT_EQ(t.medium_entropy, 2.5);
  EXPECT_EQ(t.high_entropy, 3.5);
  EXPECT_EQ(t.high_varentropy, 2.5);
  EXPECT_EQ(t.low_varentropy, 2.5625);
}

// Under those thresholds (flowing H < 1.5, V < 2.5625; treading H > 3.5,
// V < 2.5625; exploring H < 3.5, V > 2.5; resampling H > 2.5, V > 2.5):
// flowing {1}, treading {7}, exploring {0, 2}, resampling {6, 8}, adaptive
// {3, 4, 5}.
TEST(Calibration, StatesUnderTheFittedThresholds) {
  const auto n = CountStates(NineSamples(), FitThresholds(NineSamples(), HandQuantiles()));
  EXPECT_EQ(n[static_cast<int>(State::kFixed)], 0);
  EXPECT_EQ(n[static_cast<int>(State::kFlowing)], 1);
  EXPECT_EQ(n[static_cast<int>(State::kTreading)], 1);
  EXPECT_EQ(n[static_cast<int>(State::kExploring)], 2);
  EXPECT_EQ(n[static_cast<int>(State::kResampling)], 2);
  EXPECT_EQ(n[static_cast<int>(State::kAdaptive)], 3);
}

// Adaptive steps 3, 4, 5: H + V = 3, 3, 5 (median 3); attn H + V = 1, 5, 2
// (median 2). Branch gate H > 4 and V > 3: step 8 only.
TEST(Calibration, FitProfileSetsThresholdsCentresAndBranchGate) {
  Profile base;
  base.name = "base";
  base.coef.adaptive_logit_center = 99;
  base.coef.adaptive_attn_center = 98;
  base.base.temperature = 0.7;
  const Profile p = FitProfile(base, NineSamples(), HandQuantiles());
  EXPECT_EQ(p.thresholds.low_entropy, 1.5);
  EXPECT_EQ(p.thresholds.low_varentropy, 2.5625);
  EXPECT_EQ(p.coef.adaptive_logit_center, 3.0);
  EXPECT_EQ(p.coef.adaptive_attn_center, 2.0);
  EXPECT_EQ(p.branch.entropy, 4.0);
  EXPECT_EQ(p.branch.varentropy, 3.0);
  EXPECT_EQ(CountBranchFires(NineSamples(), p.branch), 1);
  // What calibration does not fit stays the base profile's.
  EXPECT_EQ(p.name, "base");
  EXPECT_EQ(p.base.temperature, 0.7);
  EXPECT_EQ(p.branch.n_branches, base.branch.n_branches);
}

// (0, 0) is flowing and (10, 10) resampling under these quantiles: no
// adaptive step, so the base profile's centres are kept.
TEST(Calibration, CentresKeptWithoutAdaptiveSteps) {
  std::vector<SignalSample> s(2);
  s[1].entropy = s[1].varentropy = 10;
  CalibrationQuantiles q;
  q.low_entropy = 1.0;       // 10
  q.medium_entropy = 0.0;    // 0
  q.high_entropy = 0.0;      // 0
  q.high_varentropy = 0.0;   // 0
  q.low_varentropy = 0.5;    // V of the steps with H > 0: {10} -> 10
  Profile base;
  base.coef.adaptive_logit_center = 1.25;
  base.coef.adaptive_attn_center = 0.75;
  const Profile p = FitProfile(base, s, q);
  EXPECT_EQ(CountStates(s, p.thresholds)[static_cast<int>(State::kAdaptive)], 0);
  EXPECT_EQ(p.coef.adaptive_logit_center, 1.25);
  EXPECT_EQ(p.coef.adaptive_attn_center, 0.75);
}

// Mean of H: 22.5 / 9 = 2.5; its median (position 4) 2.5; q05 at position
// 0.4: 0.5 + 0.4 * 0.5 = 0.7. Mean of V: 21.875 / 9.
TEST(Calibration, SummaryPerSignal) {
  const std::vector<SignalSummary> sum = SummarizeSignals(NineSamples());
  ASSERT_EQ(sum.size(), SignalColumns().size());
  EXPECT_STREQ(sum[0].name, "entropy");
  EXPECT_STREQ(sum[1].name, "varentropy");
  EXPECT_EQ(sum[0].mean, 2.5);
  EXPECT_EQ(sum[0].quantiles[3], 2.5);  // kReportQuantiles[3] = 0.5
  EXPECT_DOUBLE_EQ(sum[0].quantiles[0], 0.7);
  EXPECT_DOUBLE_EQ(sum[0].quantiles[6], 4.3);  // q95: position 7.6, 4.0 + 0.6 * 0.5
  EXPECT_DOUBLE_EQ(sum[1].mean, 21.875 / 9);
  EXPECT_EQ(sum[1].quantiles[3], 2.0);
}

}  // namespace
}  // namespace entropix
