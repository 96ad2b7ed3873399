// The entropix state table driven by synthetic signals: every state, its
// action and effective parameters (SAMPLER.md section 3), the pause guard and
// cap, and the adaptive candidate choice.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "sampling/policy.h"
#include "sampling/profile.h"

namespace entropix {
namespace {

struct Fixture {
  Profile profile = BuiltinProfile("entropix-g2");
  std::vector<float> logits = std::vector<float>(100, 0.0f);
  LogitStats ls;
  AttentionSignals attn;
  CandidateSet scratch;
  Rng rng{1};

  Fixture() {
    for (int i = 0; i < 100; ++i) logits[i] = static_cast<float>(-0.05 * i);
    ls = ComputeLogitStats(logits);
    attn.present = true;
    attn.entropy_bits = 1.5;
    attn.varentropy_bits = 0.4;
    attn.agreement = 0.2;
    attn.interaction_strength = 2.0;
  }
  StepInput Input(double h, double v) {
    ls.entropy_bits = h;  // the policy reads the signals, not the logits, for the state
    ls.varentropy_bits = v;
    StepInput in;
    in.logits = logits;
    in.logit = &ls;
    in.attn = &attn;
    return in;
  }
};

TEST(StateTable, ClassifiesInReferenceOrder) {
  const EntropixThresholds t;  // 0.1, 0.1, 3, 5, 5
  EXPECT_EQ(ClassifyState(0.05, 0.05, t), State::kFlowing);
  EXPECT_EQ(ClassifyState(6.0, 0.05, t), State::kTreading);
  EXPECT_EQ(ClassifyState(2.0, 6.0, t), State::kExploring);
  EXPECT_EQ(ClassifyState(6.0, 6.0, t), State::kResampling);
  EXPECT_EQ(ClassifyState(2.0, 2.0, t), State::kAdaptive);
  // H between medium and high with high V: exploring is checked first.
  EXPECT_EQ(ClassifyState(4.0, 6.0, t), State::kExploring);
  EXPECT_EQ(ClassifyState(0.05, 2.0, t), State::kAdaptive);
}

TEST(StateTable, EveryStateActionAndParameters) {
  Fixture f;
  const EntropixPolicy pol(f.profile, {7});
  const double t0 = 0.666, p0 = 0.9, m0 = 0.03;
  const int k0 = 27;

  Decision d = pol.Decide(f.Input(0.05, 0.05), f.scratch, f.rng);
  EXPECT_EQ(d.state, State::kFlowing);
  EXPECT_EQ(d.action, Action::kArgmax);
  EXPECT_EQ(d.token, 0);

  d = pol.Decide(f.Input(6.0, 0.05), f.scratch, f.rng);
  EXPECT_EQ(d.state, State::kTreading);
  EXPECT_EQ(d.action, Action::kInsert);
  ASSERT_EQ(d.insert.size(), 1u);
  EXPECT_EQ(d.insert[0], 7);

  d = pol.Plan(f.Input(2.0, 6.0));
  EXPECT_EQ(d.state, State::kExploring);
  EXPECT_EQ(d.action, Action::kSample);
  EXPECT_NEAR(d.params.temperature, std::min(1.5, t0 * (1.2 + 0.3 * 2.0)), 1e-12);
  EXPECT_EQ(d.params.top_k, std::max(5, static_cast<int>(std::floor(k0 * (1 + 0.5 * (1 - 0.2))))));
  EXPECT_EQ(d.params.top_p, p0);

  d = pol.Plan(f.Input(6.0, 6.0));
  EXPECT_EQ(d.state, State::kResampling);
  EXPECT_NEAR(d.params.temperature, std::max(2.0, t0 * (2.0 + 0.5 * 0.4)), 1e-12);
  EXPECT_NEAR(d.params.top_p, std::max(0.5, p0 - 0.2 * 1.5), 1e-12);
  EXPECT_EQ(d.params.top_k, k0);

  d = pol.Plan(f.Input(1.0, 1.5));
  EXPECT_EQ(d.state, State::kAdaptive);
  EXPECT_EQ(d.action, Action::kAdaptive);
  EXPECT_EQ(d.n_draws, 5);
  const double hv = 2.5;
  EXPECT_NEAR(d.params.temperature, t0 * (1 + 0.3 * hv + 0.2 * (1.5 + 0.4) - 0.2 * 0.2), 1e-12);
  EXPECT_NEAR(d.params.top_p, std::clamp(p0 * (1 + 0.1 * 0.4), 0.1, 1.0), 1e-12);
  EXPECT_EQ(d.params.top_k, static_cast<int>(std::clamp(std::round(k0 * (1 + 0.3 * 2.0 - 0.2 * 0.2)), 1.0, 100.0)));
  EXPECT_NEAR(d.params.min_p, std::clamp(m0 * (1 - 0.5 * hv), 0.01, 0.5), 1e-12);

  // Every drawn token is one of the survivors.
  for (double h : {1.0, 2.0, 6.0}) {
    d = pol.Decide(f.Input(h, 6.0), f.scratch, f.rng);
    EXPECT_GE(d.token, 0);
    EXPECT_LT(d.token, d.params.top_k);
  }
}

TEST(StateTable, CoefficientsAreParameters) {
  Fixture f;
  f.profile.coef.exploring_t_base = 0.5;
  f.profile.coef.exploring_t_interaction = 0.0;
  f.profile.thresholds.high_varentropy = 1.0;
  const EntropixPolicy pol(f.profile, {});
  const Decision d = pol.Plan(f.Input(2.0, 1.5));
  EXPECT_EQ(d.state, State::kExploring);
  EXPECT_NEAR(d.params.temperature, 0.666 * 0.5, 1e-12);
}

TEST(PauseToken, NoRepeatInARowAndCap) {
  Fixture f;
  f.profile.pause.max_per_response = 2;
  const std::vector<int32_t> pause = {11, 12};  // a two-token pause sequence
  const EntropixPolicy pol(f.profile, pause);
  StepInput in = f.Input(6.0, 0.05);
  std::vector<int32_t> response = {3, 4};
  in.response = response;
  Decision d = pol.Decide(in, f.scratch, f.rng);
  EXPECT_EQ(d.action, Action::kInsert);
  EXPECT_EQ(std::vector<int32_t>(d.insert.begin(), d.insert.end()), pause);

  // Just inserted: sample instead, at the treading temperature.
  response = {3, 4, 11, 12};
  in.response = response;
  in.pauses_inserted = 1;
  d = pol.Decide(in, f.scratch, f.rng);
  EXPECT_EQ(d.state, State::kTreading);
  EXPECT_EQ(d.action, Action::kSample);
  EXPECT_NEAR(d.params.temperature, std::min(1.5, 0.666 * (1.3 + 0.2 * 1.5)), 1e-12);

  // A different token since: allowed again.
  response = {3, 4, 11, 12, 5};
  in.response = response;
  EXPECT_EQ(pol.Decide(in, f.scratch, f.rng).action, Action::kInsert);
  // Only the first token of the sequence: not "the pause", allowed.
  response = {3, 11};
  in.response = response;
  EXPECT_EQ(pol.Decide(in, f.scratch, f.rng).action, Action::kInsert);

  // The cap.
  response = {1};
  in.response = response;
  in.pauses_inserted = 2;
  EXPECT_EQ(pol.Decide(in, f.scratch, f.rng).action, Action::kSample);
  // No room left in the response for the whole sequence.
  in.pauses_inserted = 0;
  in.tokens_left = 1;
  EXPECT_EQ(pol.Decide(in, f.scratch, f.rng).action, Action::kSample);
  // No pause ids (empty text): never inserts.
  const EntropixPolicy none(f.profile, {});
  EXPECT_EQ(none.Decide(f.Input(6.0, 0.05), f.scratch, f.rng).action, Action::kSample);
}

TEST(Adaptive, KeepsTheMostLikelyOfTheDraws) {
  Fixture f;
  // Ten equal-ish candidates; with 64 draws the best-logit one is almost surely drawn.
  std::vector<float> l = {1.0f, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f, 1.6f, 1.7f, 1.8f, 1.9f};
  f.logits = l;
  f.ls = ComputeLogitStats(f.logits);
  f.profile.coef.adaptive_samples = 64;
  f.profile.base.top_p = 1.0;
  f.profile.base.min_p = 0.0;
  const EntropixPolicy pol(f.profile, {});
  StepInput in = f.Input(1.0, 1.0);
  in.logits = f.logits;
  int best = 0;
  for (int i = 0; i < 20; ++i) best += pol.Decide(in, f.scratch, f.rng).token == 9;
  EXPECT_GE(best, 19);
  // One draw: plain sampling, other tokens appear.
  f.profile.coef.adaptive_samples = 1;
  const EntropixPolicy one(f.profile, {});
  int other = 0;
  for (int i = 0; i < 50; ++i) other += one.Decide(in, f.scratch, f.rng).token != 9;
  EXPECT_GT(other, 10);
}

TEST(Branching, GateAndCap) {
  Fixture f;
  f.profile.branch.enabled = true;
  f.profile.branch.entropy = 3.0;
  f.profile.branch.varentropy = 4.0;
  f.profile.branch.max_per_response = 1;
  const EntropixPolicy pol(f.profile, {});
  EXPECT_EQ(pol.Plan(f.Input(3.5, 4.5)).action, Action::kBranch);
  EXPECT_NE(pol.Plan(f.Input(2.5, 4.5)).action, Action::kBranch);
  EXPECT_NE(pol.Plan(f.Input(3.5, 3.5)).action, Action::kBranch);
  StepInput in = f.Input(3.5, 4.5);
  in.branches_taken = 1;
  EXPECT_NE(pol.Plan(in).action, Action::kBranch);
  ASSERT_NE(pol.branching(), nullptr);
  EXPECT_EQ(EntropixPolicy(BuiltinProfile("entropix-g2"), {}).branching(), nullptr);
}

TEST(FixedPolicies, GreedyAndSample) {
  Fixture f;
  GreedyPolicy g;
  StepInput in = f.Input(1, 1);
  std::vector<float> l = {0, 2, 1};
  in.logits = l;
  Decision d = g.Decide(in, f.scratch, f.rng);
  EXPECT_EQ(d.token, 1);
  EXPECT_EQ(d.state, State::kFixed);
  SamplePolicy s({1.0, 1, 1.0, 0.0});
  d = s.Decide(in, f.scratch, f.rng);
  EXPECT_EQ(d.token, 1);
  EXPECT_EQ(d.action, Action::kSample);
  SamplePolicy zero({0.0, 0, 1.0, 0.0});
  EXPECT_EQ(zero.Decide(in, f.scratch, f.rng).action, Action::kArgmax);
}

// Finite coefficients can still overflow (1e308 * 10 = inf, inf - inf = NaN):
// every computed parameter stays finite and in range, and sampling never
// aborts (issue #12 item 1).
TEST(StateTable, OverflowingCoefficientsGiveSaneParameters) {
  Fixture f;
  EntropixCoefficients& c = f.profile.coef;
  for (double big : {1e308, -1e308}) {
    c.treading_t_base = c.treading_t_attn_entropy = c.treading_t_max = big;
    c.exploring_t_base = c.exploring_t_interaction = c.exploring_t_max = c.exploring_k_agreement = big;
    c.resampling_t_base = c.resampling_t_attn_varentropy = c.resampling_p_attn_entropy = big;
    c.adaptive_t_logit = big;
    c.adaptive_t_attn = -big;  // +inf + -inf = NaN
    c.adaptive_t_agreement = c.adaptive_p_attn_varentropy = c.adaptive_k_interaction = big;
    c.adaptive_k_agreement = -big;
    c.adaptive_minp_logit = big;
    f.profile.base.top_k = std::numeric_limits<int>::max();
    const EntropixPolicy pol(f.profile, {});
    for (auto [h, v] : {std::pair{6.0, 0.05}, {2.0, 6.0}, {6.0, 6.0}, {1.0, 1.5}, {0.05, 2.0}}) {
      const Decision d = pol.Decide(f.Input(h, v), f.scratch, f.rng);
      if (d.action == Action::kArgmax || d.action == Action::kInsert) continue;
      EXPECT_TRUE(std::isfinite(d.params.temperature)) << h << " " << v << " " << big;
      EXPECT_GE(d.params.temperature, kMinTemperature);
      EXPECT_LE(d.params.temperature, kMaxTemperature);
      EXPECT_GE(d.params.top_k, 0);
      EXPECT_TRUE(d.params.top_p >= 0.0 && d.params.top_p <= 1.0) << d.params.top_p;
      EXPECT_TRUE(d.params.min_p >= 0.0 && d.params.min_p < 1.0) << d.params.min_p;
      EXPECT_GE(d.token, 0);
      EXPECT_LT(d.token, 100);
    }
  }
}

// NaN signals (a step whose statistics broke) fall back to the base sampler.
TEST(StateTable, NanSignalsGiveSaneParameters) {
  Fixture f;
  const EntropixPolicy pol(f.profile, {});
  f.attn.entropy_bits = f.attn.varentropy_bits = std::nan("");
  f.attn.agreement = f.attn.interaction_strength = std::nan("");
  for (double h : {1.0, 2.0, 6.0, std::nan("")}) {
    const Decision d = pol.Decide(f.Input(h, 6.0), f.scratch, f.rng);
    EXPECT_TRUE(std::isfinite(d.params.temperature));
    EXPECT_TRUE(d.params.top_p >= 0.0 && d.params.top_p <= 1.0);
    EXPECT_TRUE(d.params.min_p >= 0.0 && d.params.min_p < 1.0);
  }
}

}  // namespace
}  // namespace entropix
