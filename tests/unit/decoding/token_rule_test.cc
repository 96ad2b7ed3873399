// Token rules on a hand-made distribution. Descending order with ties to the
// lower id: 1 (3.0), 3 (3.0), 2 (2.0), 5 (2.0), 0 (1.0), 4 (0.5).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "decoding/token_rule.h"

namespace entropix {
namespace {

const std::vector<float> kLogits = {1.0f, 3.0f, 2.0f, 3.0f, 0.5f, 2.0f};

TokenRule Rule(TokenRule::Kind kind, int rank = 1, bool exclude = false, double t = 1.0, int top_k = 0) {
  TokenRule r;
  r.kind = kind;
  r.rank = rank;
  r.exclude_greedy = exclude;
  r.params = {t, top_k, 1.0, 0.0};
  return r;
}

int32_t Choose(const std::vector<float>& logits, const TokenRule& rule, uint64_t seed = 1) {
  Rng rng(seed);
  TokenRuleScratch scratch;
  return ChooseToken(logits, ComputeLogitStats(logits), rule, rng, scratch);
}

TEST(ChooseToken, GreedyAndRanks) {
  EXPECT_EQ(Choose(kLogits, Rule(TokenRule::Kind::kGreedy)), 1);
  const int32_t want[] = {1, 3, 2, 5, 0};
  for (int rank = 1; rank <= 5; ++rank) {
    EXPECT_EQ(Choose(kLogits, Rule(TokenRule::Kind::kRanked, rank)), want[rank - 1]) << rank;
  }
  EXPECT_EQ(Choose(kLogits, Rule(TokenRule::Kind::kRanked, 6)), 1);  // rank >= vocab_size: the argmax
  // Masked tokens are never ranked: the third of {0, 5, -inf, -inf} does not exist.
  const std::vector<float> masked = {0.0f, 5.0f, -INFINITY, -INFINITY};
  EXPECT_EQ(Choose(masked, Rule(TokenRule::Kind::kRanked, 2)), 0);
  EXPECT_EQ(Choose(masked, Rule(TokenRule::Kind::kRanked, 3)), 1);
}

TEST(ChooseToken, SampleExcludingGreedyNeverReturnsIt) {
  int counts[6] = {};
  for (uint64_t seed = 0; seed < 300; ++seed) ++counts[Choose(kLogits, Rule(TokenRule::Kind::kSample, 1, true), seed)];
  EXPECT_EQ(counts[1], 0);
  EXPECT_GT(counts[3], 0);  // the other 3.0 is the likeliest remaining token
  // top-k 1 of the rest, or temperature 0: the runner-up.
  EXPECT_EQ(Choose(kLogits, Rule(TokenRule::Kind::kSample, 1, true, 1.0, 1)), 3);
  EXPECT_EQ(Choose(kLogits, Rule(TokenRule::Kind::kSample, 1, true, 0.0)), 3);
  // Nothing else has any probability: the argmax.
  EXPECT_EQ(Choose({-INFINITY, 5.0f, -INFINITY}, Rule(TokenRule::Kind::kSample, 1, true)), 1);
}

TEST(ChooseToken, SampleIsReproduciblePerSeed) {
  int seen_greedy = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const int32_t a = Choose(kLogits, Rule(TokenRule::Kind::kSample), seed);
    EXPECT_EQ(a, Choose(kLogits, Rule(TokenRule::Kind::kSample), seed));
    seen_greedy += a == 1;
  }
  EXPECT_GT(seen_greedy, 0);  // without the exclusion the argmax can be drawn
}

}  // namespace
}  // namespace entropix
