#include <gtest/gtest.h>

#include <vector>

#include "decoding/loop_escape.h"

namespace entropix {
namespace {

TEST(FindTrailingLoop, PeriodAndWhereTheRepetitionBegan) {
  // 9 8 | 1 2 3 | 1 2 3 | 1 2 3 | 1 2 3: the periodic tail starts at index 2,
  // the first copy of an earlier token is index 5.
  const std::vector<int32_t> t = {9, 8, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3};
  const LoopRule rule{16, 3, 12};
  const TrailingLoop loop = FindTrailingLoop(t, rule);
  EXPECT_EQ(loop.period, 3);
  EXPECT_EQ(loop.first_repeat, 5);
}

TEST(FindTrailingLoop, PartialLastCopyAndShortestPeriod) {
  // 7 | 4 5 4 5 4 5 4 5 4 5 4 5 4: period 2 (not 4), tail from index 1.
  const std::vector<int32_t> t = {7, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4};
  const TrailingLoop loop = FindTrailingLoop(t, {16, 3, 12});
  EXPECT_EQ(loop.period, 2);
  EXPECT_EQ(loop.first_repeat, 3);
}

TEST(FindTrailingLoop, NoneWhenTooShortOrNotRepeating) {
  EXPECT_EQ(FindTrailingLoop(std::vector<int32_t>{5, 5, 5}, {16, 3, 12}).period, 0);  // tail < 12 tokens
  EXPECT_EQ(FindTrailingLoop(std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, {}).period, 0);
  // With a looser rule the same short run counts: 5 5 5 -> period 1, first repeat at 1.
  const TrailingLoop loose = FindTrailingLoop(std::vector<int32_t>{5, 5, 5}, {4, 3, 3});
  EXPECT_EQ(loose.period, 1);
  EXPECT_EQ(loose.first_repeat, 1);
}

}  // namespace
}  // namespace entropix
