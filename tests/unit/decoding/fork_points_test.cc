// Fork planning on a hand-made trace: entropy order, the gap, the answer
// span, position 0, the ablation rules.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "decoding/fork_points.h"

namespace entropix {
namespace {

std::vector<int> Positions(const std::vector<ForkPoint>& f) {
  std::vector<int> p;
  for (const ForkPoint& x : f) {
    EXPECT_EQ(x.rank, 2);
    p.push_back(x.position);
  }
  return p;
}

// Entropy order: 6 (4.0), 8 (3.5), 1 (3.0), 3 (2.9), 4 (2.0), 7, 0, 9, 5, 2.
const std::vector<float> kEntropy = {0.5f, 3.0f, 0.1f, 2.9f, 2.0f, 0.2f, 4.0f, 1.0f, 3.5f, 0.3f};
const std::vector<float> kMargin(10, 0.5f);
const TokenRange kAnswer{6, 8};

ForkParams Params(ForkRule rule, int gap, bool first) {
  ForkParams p;
  p.rule = rule;
  p.min_gap = gap;
  p.include_first = first;
  return p;
}

TEST(PlanForks, EntropyOrderWithGapAnswerExclusionAndPositionZero) {
  Rng rng(1);
  // 0 first; 6 is in the answer; 8; 1 too close to 0; 3; 4 too close to 3;
  // 7 in the answer; 9 too close to 8; 5 is 2 from 3.
  EXPECT_EQ(Positions(PlanForks(kEntropy, kMargin, Params(ForkRule::kEntropy, 2, true), kAnswer, 4, rng)),
            (std::vector<int>{0, 8, 3, 5}));
  EXPECT_EQ(Positions(PlanForks(kEntropy, kMargin, Params(ForkRule::kEntropy, 2, false), kAnswer, 4, rng)),
            (std::vector<int>{8, 1, 3, 5}));
  // A wider gap: 0, 8, 4 (|4-0| = 4, |4-8| = 4); nothing else fits.
  EXPECT_EQ(Positions(PlanForks(kEntropy, kMargin, Params(ForkRule::kEntropy, 4, true), kAnswer, 9, rng)),
            (std::vector<int>{0, 8, 4}));
  // Fewer asked for: the first in order.
  EXPECT_EQ(Positions(PlanForks(kEntropy, kMargin, Params(ForkRule::kEntropy, 2, true), kAnswer, 2, rng)),
            (std::vector<int>{0, 8}));
}

TEST(PlanForks, NoForkWhereNoOtherTokenHasProbabilityOrInsideTheAnswer) {
  Rng rng(1);
  std::vector<float> margin = kMargin;
  margin[8] = 1.0f;
  EXPECT_EQ(Positions(PlanForks(kEntropy, margin, Params(ForkRule::kEntropy, 2, true), kAnswer, 4, rng)),
            (std::vector<int>{0, 3, 9, 5}));
  // The answer starting at 0 removes position 0 even with include_first.
  const auto f = PlanForks(kEntropy, kMargin, Params(ForkRule::kEntropy, 2, true), TokenRange{0, 2}, 3, rng);
  EXPECT_EQ(Positions(f), (std::vector<int>{6, 8, 3}));
}

TEST(PlanForks, RandomKeepsTheConstraintsAndTheSeed) {
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    Rng a(seed), b(seed);
    const auto fa = PlanForks(kEntropy, kMargin, Params(ForkRule::kRandom, 2, true), kAnswer, 4, a);
    const auto fb = PlanForks(kEntropy, kMargin, Params(ForkRule::kRandom, 2, true), kAnswer, 4, b);
    EXPECT_EQ(Positions(fa), Positions(fb));
    ASSERT_FALSE(fa.empty());
    EXPECT_EQ(fa[0].position, 0);
    for (size_t i = 0; i < fa.size(); ++i) {
      EXPECT_FALSE(kAnswer.Contains(fa[i].position));
      for (size_t j = 0; j < i; ++j) EXPECT_GE(std::abs(fa[i].position - fa[j].position), 2);
    }
  }
}

TEST(PlanForks, FirstTokenRanksAndIndependentSamples) {
  Rng rng(1);
  const auto f = PlanForks(kEntropy, kMargin, Params(ForkRule::kFirstToken, 2, true), kAnswer, 3, rng);
  ASSERT_EQ(f.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(f[i].position, 0);
    EXPECT_EQ(f[i].rank, 2 + i);
  }
  EXPECT_TRUE(PlanForks(kEntropy, kMargin, Params(ForkRule::kIndependentSample, 2, true), kAnswer, 3, rng).empty());
  EXPECT_TRUE(PlanForks(kEntropy, kMargin, Params(ForkRule::kEntropy, 2, true), kAnswer, 0, rng).empty());
}

}  // namespace
}  // namespace entropix
