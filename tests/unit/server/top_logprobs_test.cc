#include "server/top_logprobs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace entropix::server {
namespace {

TEST(TopLogprobsTest, BestFirstTiesByLowerIdAndNormalised) {
  const std::vector<float> logits = {0.0f, 2.0f, 1.0f, 2.0f, -1.0f};
  const LogitStats s = ComputeLogitStats(logits);
  const auto top = TopLogprobs(logits, s, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].first, 1);
  EXPECT_EQ(top[1].first, 3);
  EXPECT_EQ(top[2].first, 2);
  double z = 0;
  for (float l : logits) z += std::exp(l);
  EXPECT_NEAR(top[0].second, 2.0 - std::log(z), 1e-6);
  EXPECT_TRUE(TopLogprobs(logits, s, 0).empty());
  EXPECT_EQ(TopLogprobs(logits, s, 20).size(), logits.size());
}

}  // namespace
}  // namespace entropix::server
