// Trace confidence and the answer-span margin on hand-computed series.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "decoding/trace_signals.h"

namespace entropix {
namespace {

TEST(TraceSignals, LowestWindowMean) {
  const std::vector<double> c = {-1, -3, -5, 0, -2};
  // Windows of 2: -2, -4, -2.5, -1 -> -4.
  EXPECT_DOUBLE_EQ(LowestWindowMean(c, 2), -4.0);
  // Windows of 3: -3, -8/3, -7/3 -> -3.
  EXPECT_DOUBLE_EQ(LowestWindowMean(c, 3), -3.0);
  // A window longer than the trace: the mean of all, -11/5.
  EXPECT_DOUBLE_EQ(LowestWindowMean(c, 32), -2.2);
  EXPECT_DOUBLE_EQ(LowestWindowMean(c, 1), -5.0);
  EXPECT_DOUBLE_EQ(LowestWindowMean({}, 4), 0.0);
  EXPECT_DOUBLE_EQ(MeanOf(c), -2.2);
}

TEST(TraceSignals, TraceConfidenceFromEachTokenSignal) {
  const std::vector<float> h = {0.5f, 2.0f, 0.25f, 0.25f};
  const std::vector<float> lp = {-0.5f, -1.5f, -0.25f, -0.75f};
  const std::vector<float> m = {0.75f, 0.25f, 0.5f, 1.0f};
  const TokenSignals s{h, lp, m};
  // -H: {-0.5, -2, -0.25, -0.25}; windows of 2: -1.25, -1.125, -0.25.
  EXPECT_DOUBLE_EQ(TraceConfidence(s, TokenConfidence::kNegEntropy, TraceConfidenceRule::kLowestWindow, 2), -1.25);
  EXPECT_DOUBLE_EQ(TraceConfidence(s, TokenConfidence::kNegEntropy, TraceConfidenceRule::kMean, 2), -0.75);
  // log-prob: mean -0.75; windows of 2: -1, -0.875, -0.5.
  EXPECT_DOUBLE_EQ(TraceConfidence(s, TokenConfidence::kLogprob, TraceConfidenceRule::kMean, 2), -0.75);
  EXPECT_DOUBLE_EQ(TraceConfidence(s, TokenConfidence::kLogprob, TraceConfidenceRule::kLowestWindow, 2), -1.0);
  // margin: windows of 3: 0.5, 7/12 -> 0.5.
  EXPECT_DOUBLE_EQ(TraceConfidence(s, TokenConfidence::kMargin, TraceConfidenceRule::kLowestWindow, 3), 0.5);
}

TEST(TraceSignals, AnswerSpanMarginAveragesTheRange) {
  const std::vector<float> m = {0.1f, 0.9f, 0.5f, 0.25f, 1.0f};
  EXPECT_DOUBLE_EQ(AnswerSpanMargin(m, {2, 4}), 0.375);  // (0.5 + 0.25) / 2
  EXPECT_DOUBLE_EQ(AnswerSpanMargin(m, {4, 5}), 1.0);
  EXPECT_DOUBLE_EQ(AnswerSpanMargin(m, {}), 0.0);
}

}  // namespace
}  // namespace entropix
