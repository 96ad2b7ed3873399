// Branching on a constructed language model whose best branch is known.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sampling/branching.h"

namespace entropix {
namespace {

// Vocabulary of 6: tokens 0..3 start branches, 4 is "word", 5 is ".".
// After token 2 the model is sure (next: 4 with p ~ 1, then "."); after the
// others it is lost (uniform). So the branch starting with 2 has by far the
// best mean log-probability, whatever the draws.
class FakeHost : public BranchHost {
 public:
  std::span<const float> Step(int32_t token) override {
    seq_.push_back(token);
    ++steps_;
    logits_.assign(6, 0.0f);
    const int32_t first = seq_.front();
    if (first == 2) {
      logits_[seq_.size() >= 2 ? 5 : 4] = 30.0f;
    }
    return logits_;
  }
  void Rewind() override {
    ++rewinds_;
    seq_.clear();
  }
  void KeepAsBest() override { best_ = seq_; }
  void CommitBest(bool best_is_current) override {
    committed_ = best_;
    best_was_current_ = best_is_current;
  }
  bool IsEnd(int32_t) const override { return false; }
  bool IsDelimiter(int32_t t) const override { return t == 5; }

  std::vector<int32_t> seq_, best_, committed_;
  std::vector<float> logits_;
  int steps_ = 0, rewinds_ = 0;
  bool best_was_current_ = false;
};

TEST(Branching, PicksTheKnownBestBranch) {
  // At the branch point tokens 0..3 are equally likely; 4 and 5 are not.
  const std::vector<float> root = {1, 1, 1, 1, -20, -20};
  const LogitStats st = ComputeLogitStats(root);
  BranchParams bp;
  bp.n_branches = 4;
  bp.max_tokens = 6;
  const SamplingParams base{1.0, 4, 1.0, 0.0};
  for (uint64_t seed = 0; seed < 10; ++seed) {
    FakeHost host;
    CandidateSet scratch;
    Rng rng(seed);
    const BranchOutcome out = RunBranches(root, st, base, bp, bp.max_tokens, host, scratch, rng);
    ASSERT_EQ(out.branches.size(), 4u);
    const BranchRollout& w = out.branches[out.winner];
    EXPECT_EQ(w.tokens, (std::vector<int32_t>{2, 4, 5})) << "seed " << seed;
    EXPECT_EQ(w.forwards, 3);  // the delimiter is fed too
    // Distinct first tokens.
    std::vector<int32_t> firsts;
    for (const auto& b : out.branches) firsts.push_back(b.tokens.front());
    std::sort(firsts.begin(), firsts.end());
    EXPECT_EQ(firsts, (std::vector<int32_t>{0, 1, 2, 3}));
    // Lost branches run to max_tokens (the fake's uniform steps rarely hit ".").
    EXPECT_EQ(out.forwards, host.steps_);
    EXPECT_EQ(out.extra_forwards, out.forwards - 3);
    EXPECT_EQ(host.rewinds_, 3);
    EXPECT_EQ(host.committed_, (std::vector<int32_t>{2, 4, 5}));
    EXPECT_EQ(host.best_was_current_, out.winner == 3);
    // Scores: mean log-probability (natural log).
    EXPECT_NEAR(w.score, (st.LogProb(1.0f) + 0.0 + 0.0) / 3.0, 1e-6);
  }
}

TEST(Branching, MeanEntropyScore) {
  const std::vector<float> root = {1, 1, 1, 1, -20, -20};
  const LogitStats st = ComputeLogitStats(root);
  BranchParams bp;
  bp.n_branches = 2;
  bp.max_tokens = 3;
  bp.score = BranchScore::kMeanEntropy;
  FakeHost host;
  CandidateSet scratch;
  Rng rng(3);
  const BranchOutcome out = RunBranches(root, st, {1.0, 4, 1.0, 0.0}, bp, 3, host, scratch, rng);
  for (const auto& b : out.branches) {
    double h = 0;
    for (double e : b.entropy) h += e;
    EXPECT_NEAR(b.score, -h / b.entropy.size(), 1e-12);
  }
}

// Scores that are all NaN (NaN signals at the branch point, which the gate
// never passes today, but RunBranches must not rely on it) keep the first
// branch instead of tripping the "a winner exists" check.
TEST(Branching, NanScoresKeepTheFirstBranch) {
  const std::vector<float> root = {1, 1, 1, 1, -20, -20};
  LogitStats st = ComputeLogitStats(root);
  st.entropy_bits = std::nan("");
  BranchParams bp;
  bp.n_branches = 3;
  bp.max_tokens = 1;
  bp.score = BranchScore::kMeanEntropy;
  FakeHost host;
  CandidateSet scratch;
  Rng rng(1);
  const BranchOutcome out = RunBranches(root, st, {1.0, 4, 1.0, 0.0}, bp, 1, host, scratch, rng);
  EXPECT_EQ(out.winner, 0);
  EXPECT_EQ(out.branches.size(), 3u);
}

}  // namespace
}  // namespace entropix
