// Logit and attention signals against the test vectors of SAMPLER.md section 2.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sampling/basic_sampler.h"
#include "sampling/metrics.h"
#include "sampling/rng.h"

namespace entropix {
namespace {

std::vector<float> LogitsOf(const std::vector<double>& p) {
  std::vector<float> l;
  for (double x : p) l.push_back(static_cast<float>(std::log(x)));
  return l;
}

TEST(LogitStats, TestVectors) {
  struct Case { std::vector<double> p; double h, v; };
  const Case cases[] = {
      {{0.5, 0.5}, 1.0, 0.0}, {{0.9, 0.1}, 0.469, 0.904}, {{0.7, 0.2, 0.1}, 1.157, 1.029}};
  for (const Case& c : cases) {
    const LogitStats s = ComputeLogitStats(LogitsOf(c.p));
    EXPECT_NEAR(s.entropy_bits, c.h, 5e-4) << c.p.size();
    EXPECT_NEAR(s.varentropy_bits, c.v, 5e-4) << c.p.size();
  }
}

TEST(LogitStats, UniformAndShifted) {
  for (int n : {1, 2, 7, 33, 4095, 49152, 151936}) {
    std::vector<float> l(n, 3.25f);
    const LogitStats s = ComputeLogitStats(l);
    EXPECT_NEAR(s.entropy_bits, std::log2(n), 1e-6) << n;
    EXPECT_NEAR(s.varentropy_bits, 0.0, 1e-9) << n;
    EXPECT_EQ(s.argmax, 0);
  }
}

TEST(LogitStats, OneHot) {
  for (int n : {1, 7, 33, 49152}) {
    std::vector<float> l(n, -INFINITY);
    l[n / 2] = 1.0f;
    const LogitStats s = ComputeLogitStats(l);
    EXPECT_NEAR(s.entropy_bits, 0.0, 1e-12) << n;
    EXPECT_NEAR(s.varentropy_bits, 0.0, 1e-12) << n;
    EXPECT_EQ(s.argmax, n / 2);
    EXPECT_NEAR(s.LogProb(l[n / 2]), 0.0, 1e-12);
    // Very negative but finite logits: the same.
    std::vector<float> f(n, -1e4f);
    f[n / 2] = 50.0f;
    const LogitStats t = ComputeLogitStats(f);
    EXPECT_NEAR(t.entropy_bits, 0.0, 1e-12);
    EXPECT_NEAR(t.varentropy_bits, 0.0, 1e-12);
  }
}

// The reference in double with std::exp, for random logits of odd sizes.
TEST(LogitStats, MatchesDoubleReference) {
  Rng rng(42);
  for (int n : {1, 3, 8, 9, 17, 255, 4097, 49152}) {
    std::vector<float> l(n);
    for (auto& x : l) x = static_cast<float>((rng.Uniform() - 0.5) * 30.0);
    double max = -INFINITY;
    for (float x : l) max = std::max(max, static_cast<double>(x));
    double z = 0;
    for (float x : l) z += std::exp(x - max);
    double h = 0, e2 = 0;
    for (float x : l) {
      const double lp = x - max - std::log(z);
      h -= std::exp(lp) * lp;
      e2 += std::exp(lp) * lp * lp;
    }
    const double ln2 = std::log(2.0);
    const LogitStats s = ComputeLogitStats(l);
    EXPECT_NEAR(s.entropy_bits, h / ln2, 1e-5 * std::max(1.0, h)) << n;
    EXPECT_NEAR(s.varentropy_bits, (e2 - h * h) / (ln2 * ln2), 1e-4 * std::max(1.0, e2)) << n;
  }
}

// Every kernel level (scalar, and avx2/avx512 on x86: the AVX2 passes)
// performs the same operations as the portable specification.
TEST(LogitStats, EveryIsaLevelEqualsPortableBitwise) {
  for (Isa isa : AvailableIsas()) {
    SCOPED_TRACE(IsaName(isa));
    Rng rng(7);
    for (int n : {1, 5, 8, 13, 64, 1001, 49152}) {
      std::vector<float> l(n);
      for (auto& x : l) x = static_cast<float>((rng.Uniform() - 0.5) * 40.0);
      if (n > 3) l[n - 2] = l[1] = 25.0f;  // a tie for the maximum: the lower index wins
      const LogitStats a = ComputeLogitStats(l, isa), b = ComputeLogitStatsPortable(l);
      EXPECT_EQ(a.entropy_bits, b.entropy_bits) << n;
      EXPECT_EQ(a.varentropy_bits, b.varentropy_bits) << n;
      EXPECT_EQ(a.log_z, b.log_z) << n;
      EXPECT_EQ(a.argmax, b.argmax) << n;
      EXPECT_EQ(a.second_logit, b.second_logit) << n;
      EXPECT_EQ(a.second_index, b.second_index) << n;
      EXPECT_EQ(a.margin, b.margin) << n;
      if (n > 3) {
        EXPECT_EQ(a.argmax, 1);
        EXPECT_EQ(a.second_index, n - 2);  // the other copy of the tied maximum
        EXPECT_EQ(a.margin, 0.0);
      }
    }
  }
}

// The dispatched entry point is one of the levels above (DetectIsa's).
TEST(LogitStats, DispatchedEqualsDetectedLevel) {
  Rng rng(3);
  std::vector<float> l(4099);
  for (auto& x : l) x = static_cast<float>((rng.Uniform() - 0.5) * 30.0);
  const LogitStats a = ComputeLogitStats(l), b = ComputeLogitStats(l, DetectIsa());
  EXPECT_EQ(a.entropy_bits, b.entropy_bits);
  EXPECT_EQ(a.varentropy_bits, b.varentropy_bits);
  EXPECT_EQ(a.argmax, b.argmax);
}

// p1 - p2 on hand-made distributions: p = (0.1, 0.6, 0.3) -> 0.6 - 0.3.
TEST(LogitStats, TopMargin) {
  const LogitStats s = ComputeLogitStats(LogitsOf({0.1, 0.6, 0.3}));
  EXPECT_EQ(s.argmax, 1);
  EXPECT_EQ(s.second_index, 2);
  EXPECT_NEAR(s.margin, 0.3, 1e-6);
  EXPECT_NEAR(s.second_logit, std::log(0.3), 1e-6);
  // One logit: no runner-up, the margin is p1 = 1.
  const LogitStats one = ComputeLogitStats(std::vector<float>{2.0f});
  EXPECT_EQ(one.second_index, -1);
  EXPECT_NEAR(one.margin, 1.0, 1e-12);
  // Every other logit masked: no runner-up either.
  const LogitStats masked = ComputeLogitStats(std::vector<float>{-INFINITY, 1.0f, -INFINITY});
  EXPECT_EQ(masked.second_index, -1);
  EXPECT_NEAR(masked.margin, 1.0, 1e-12);
}

// The runner-up may sit in any lane, in the same lane as the maximum, or in
// the tail the 8 lanes do not cover: compare with a plain scan at many sizes
// and positions, dispatched and portable alike.
TEST(LogitStats, RunnerUpAnywhere) {
  for (int n : {2, 7, 8, 9, 16, 17, 23, 40}) {
    for (int a = 0; a < n; ++a) {
      for (int b = 0; b < n; ++b) {
        if (a == b) continue;
        std::vector<float> l(n, 0.0f);
        for (int i = 0; i < n; ++i) l[i] = static_cast<float>((i * 7) % 5) * 0.1f;  // all < 1
        l[a] = 3.0f;
        l[b] = 2.0f;
        for (const LogitStats& s : {ComputeLogitStats(l), ComputeLogitStatsPortable(l)}) {
          ASSERT_EQ(s.argmax, a) << n << " " << a << " " << b;
          ASSERT_EQ(s.second_index, b) << n << " " << a << " " << b;
          ASSERT_EQ(s.second_logit, 2.0f);
        }
      }
    }
  }
  // Ties for the runner-up go to the lowest index, wherever it lies.
  std::vector<float> l(19, 0.0f);
  l[12] = 5.0f;
  l[17] = l[3] = l[9] = 4.0f;
  EXPECT_EQ(ComputeLogitStats(l).second_index, 3);
  EXPECT_EQ(ComputeLogitStatsPortable(l).second_index, 3);
}

TEST(AttentionSignals, ChosenLayerAndMean) {
  // 2 layers x 3 heads.
  const std::vector<float> ent = {1, 2, 3, 4, 4, 4};
  const std::vector<float> vent = {0.5, 0.5, 0.5, 1, 2, 3};
  const std::vector<float> score = {1, 1, 1, 2, 4, 6};
  const std::vector<float> agree = {0.1f, 0.3f};
  const AttentionStatsView v{2, 3, ent, vent, score, agree};
  const AttentionSignals last = ComputeAttentionSignals(v, {});
  EXPECT_TRUE(last.present);
  EXPECT_NEAR(last.entropy_bits, 4.0, 1e-9);
  EXPECT_NEAR(last.varentropy_bits, 0.0, 1e-9);  // equal entropies across heads
  EXPECT_NEAR(last.head_varentropy_bits, 2.0, 1e-6);
  EXPECT_NEAR(last.interaction_strength, 4.0, 1e-9);
  EXPECT_NEAR(last.agreement, 0.3, 1e-6);
  const AttentionSignals first = ComputeAttentionSignals(v, {false, 0});
  EXPECT_NEAR(first.entropy_bits, 2.0, 1e-9);
  EXPECT_NEAR(first.varentropy_bits, 2.0 / 3.0, 1e-9);  // population variance of 1, 2, 3
  const AttentionSignals mean = ComputeAttentionSignals(v, {true, -1});
  EXPECT_NEAR(mean.entropy_bits, 3.0, 1e-9);
  EXPECT_NEAR(mean.varentropy_bits, 1.0 / 3.0, 1e-9);
  EXPECT_NEAR(mean.agreement, 0.2, 1e-6);
  EXPECT_FALSE(ComputeAttentionSignals(AttentionStatsView{}, {}).present);
}

// One argmax rule everywhere: Argmax (the greedy policy's, transforms' T = 0)
// and the fused statistics' argmax (what vote's token rules read) both take
// the lowest index among equal maxima, at every position a tie can fall in
// the SIMD lanes or the scalar tail.
TEST(Argmax, LowestIndexOnTiesAgreesWithLogitStats) {
  for (size_t n : {1, 2, 7, 8, 9, 16, 17, 33, 100, 4099}) {
    for (size_t first : {size_t{0}, n / 3, n / 2, n - 1}) {
      for (size_t gap : {1, 5, 16, 31}) {
        std::vector<float> l(n, -1.0f);
        l[first] = 2.5f;
        if (first + gap < n) l[first + gap] = 2.5f;
        EXPECT_EQ(Argmax(l), static_cast<int32_t>(first)) << n << " " << first << " " << gap;
        EXPECT_EQ(ComputeLogitStats(l).argmax, static_cast<int32_t>(first)) << n << " " << first << " " << gap;
        EXPECT_EQ(ComputeLogitStatsPortable(l).argmax, static_cast<int32_t>(first)) << n << " " << first;
      }
    }
  }
  const std::vector<float> all_equal(50, 0.25f);
  EXPECT_EQ(Argmax(all_equal), 0);
  EXPECT_EQ(ComputeLogitStats(all_equal).argmax, 0);
}

}  // namespace
}  // namespace entropix
