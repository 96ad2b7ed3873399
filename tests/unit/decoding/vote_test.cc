// The vote on hand-computed ballots: dedup, each weight rule, the filter,
// the stop rule's share and agreement, best-of-N without answers.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "decoding/vote.h"

namespace entropix {
namespace {

// t0 answers 5; t1 and t2 answer 7; t3 repeats t1's text; t4 has no answer.
std::vector<Ballot> Ballots() {
  return {{0, "A", "5", -1.0, 0.8},
          {1, "B", "7", -0.5, 0.3},
          {2, "C", "7", -2.0, 0.2},
          {3, "B", "7", -0.5, 0.3},
          {4, "D", std::nullopt, 0.0, 0.0}};
}

VoteParams Params(VoteWeight w, double beta = 1.0, double keep = 1.0) {
  VoteParams p;
  p.weight = w;
  p.beta = beta;
  p.keep_top_share = keep;
  p.stop_share = 0.6;
  p.min_agreeing = 2;
  return p;
}

TEST(CountVotes, UniformWithDuplicateAndAnswerlessTrace) {
  const auto b = Ballots();
  const Tally t = CountVotes(b, Params(VoteWeight::kUniform));
  EXPECT_EQ(t.ballots[3].duplicate_of, 1);
  EXPECT_EQ(t.ballots[3].weight, 0.0);
  EXPECT_EQ(t.ballots[4].weight, 0.0);
  ASSERT_EQ(t.answers.size(), 2u);
  EXPECT_EQ(t.answers[t.leader].answer, "7");
  EXPECT_EQ(t.answers[t.leader].traces, 2);  // not 3: the duplicate does not count
  EXPECT_DOUBLE_EQ(t.leader_share, 2.0 / 3.0);
  EXPECT_TRUE(t.consensus);
  EXPECT_EQ(t.chosen_trace, 1);  // the more confident of t1 (-0.5) and t2 (-2)
}

TEST(CountVotes, ConfidenceWeights) {
  const auto b = Ballots();
  // beta 1, relative to C_max = -0.5: w0 = e^-0.5, w1 = 1, w2 = e^-1.5.
  const Tally t = CountVotes(b, Params(VoteWeight::kConfidence, 1.0));
  EXPECT_NEAR(t.ballots[0].weight, 0.6065307, 1e-6);
  EXPECT_NEAR(t.ballots[1].weight, 1.0, 1e-12);
  EXPECT_NEAR(t.ballots[2].weight, 0.2231302, 1e-6);
  EXPECT_EQ(t.answers[t.leader].answer, "7");
  EXPECT_NEAR(t.leader_share, 1.2231302 / 1.8296609, 1e-6);  // 0.66850
  EXPECT_TRUE(t.consensus);
  // beta 2: w0 = e^-1, w2 = e^-3; share (1 + 0.0497871) / (1.4176665).
  const Tally t2 = CountVotes(b, Params(VoteWeight::kConfidence, 2.0));
  EXPECT_NEAR(t2.leader_share, 1.0497871 / 1.4176665, 1e-6);
}

TEST(CountVotes, MarginWeightsCanOutvoteTheMajority) {
  const auto b = Ballots();
  // 5: 0.8; 7: 0.3 + 0.2 = 0.5. The leader has one trace: no consensus.
  const Tally t = CountVotes(b, Params(VoteWeight::kMargin));
  EXPECT_EQ(t.answers[t.leader].answer, "5");
  EXPECT_NEAR(t.leader_share, 0.8 / 1.3, 1e-12);
  EXPECT_FALSE(t.consensus);
  EXPECT_EQ(t.chosen_trace, 0);
}

TEST(CountVotes, FilterKeepsTheMostConfidentShare) {
  const auto b = Ballots();
  // 3 voters, keep ceil(0.5 * 3) = 2: t1 (-0.5) and t0 (-1); t2 is dropped.
  // 5 and 7 tie on weight and traces: the first to appear (t0's 5) leads.
  const Tally t = CountVotes(b, Params(VoteWeight::kUniform, 1.0, 0.5));
  EXPECT_TRUE(t.ballots[2].filtered);
  EXPECT_FALSE(t.ballots[0].filtered);
  EXPECT_EQ(t.ballots[2].weight, 0.0);
  EXPECT_EQ(t.answers[t.leader].answer, "5");
  EXPECT_DOUBLE_EQ(t.leader_share, 0.5);
  EXPECT_FALSE(t.consensus);
  // 0.9 of 3 voters keeps all 3 (ceil(2.7)); 2/3 keeps exactly 2.
  EXPECT_FALSE(CountVotes(b, Params(VoteWeight::kUniform, 1.0, 0.9)).ballots[2].filtered);
  EXPECT_TRUE(CountVotes(b, Params(VoteWeight::kUniform, 1.0, 2.0 / 3.0)).ballots[2].filtered);
}

TEST(CountVotes, StopRuleNeedsShareAndAgreement) {
  const auto b = Ballots();
  VoteParams p = Params(VoteWeight::kUniform);
  p.stop_share = 0.7;  // 2/3 < 0.7
  EXPECT_FALSE(CountVotes(b, p).consensus);
  p.stop_share = 0.6;
  p.min_agreeing = 3;  // only 2 distinct traces say 7
  EXPECT_FALSE(CountVotes(b, p).consensus);
}

TEST(CountVotes, BestOfNWithoutAnswers) {
  const std::vector<Ballot> b = {{0, "x", std::nullopt, -1.0, 0},
                                 {1, "y", std::nullopt, -0.25, 0},
                                 {2, "z", std::nullopt, -0.75, 0}};
  const Tally t = CountVotes(b, Params(VoteWeight::kConfidence));
  EXPECT_EQ(t.leader, -1);
  EXPECT_FALSE(t.consensus);
  EXPECT_EQ(t.chosen_trace, 1);
}

// Best-of-N prefers a finished trace to a more confident one that ran out
// of budget or looped; with none finished it takes the most confident.
TEST(CountVotes, BestOfNPrefersFinishedTraces) {
  std::vector<Ballot> b = {{0, "loop loop loop", std::nullopt, -0.1, 0, false},
                           {1, "y", std::nullopt, -0.9, 0, true},
                           {2, "z", std::nullopt, -0.5, 0, true},
                           {3, "z", std::nullopt, -0.3, 0, true}};  // a duplicate of 2: no ballot
  EXPECT_EQ(CountVotes(b, Params(VoteWeight::kConfidence)).chosen_trace, 2);
  for (Ballot& x : b) x.ended = false;
  EXPECT_EQ(CountVotes(b, Params(VoteWeight::kConfidence)).chosen_trace, 0);
  b[1].ended = true;
  EXPECT_EQ(CountVotes(b, Params(VoteWeight::kUniform)).chosen_trace, 1);
}

TEST(CountVotes, AllZeroWeightsGiveNoShare) {
  std::vector<Ballot> b = {{0, "a", "1", 0, 0.0}, {1, "b", "1", 0, 0.0}};
  const Tally t = CountVotes(b, Params(VoteWeight::kMargin));
  EXPECT_EQ(t.answers[t.leader].answer, "1");
  EXPECT_EQ(t.leader_share, 0.0);
  EXPECT_FALSE(t.consensus);
}

}  // namespace
}  // namespace entropix
