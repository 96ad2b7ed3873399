// Trace pools and offline replay (issue 10 item 5): the pool file format
// (round trip, damaged lines), the replayed baselines on a constructed pool
// with hand-computed answers, and, on stories260K, that replaying a vote
// profile on a pool reproduces the live `vote` eval records.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>

#include "core/error.h"
#include "decoding/answer_hook.h"
#include "decoding/trace_host.h"
#include "decoding/vote_strategy.h"
#include "eval/pool_runner.h"
#include "eval/replay.h"
#include "eval/runner.h"
#include "eval/trace_pool.h"
#include "model/model.h"
#include "runtime/vote_profiles.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

PoolTrace Trace(int id, int parent, const std::string& origin, std::optional<std::string> answer, double margin,
                double correct, int64_t forward) {
  PoolTrace t;
  t.request.id = t.result.id = id;
  t.request.parent = parent;
  t.request.origin = origin;
  if (origin == "sample") t.request.first.kind = t.request.rest.kind = TokenRule::Kind::kSample;
  if (origin == "first_token") {
    t.request.first.kind = TokenRule::Kind::kRanked;
    t.request.first.rank = id;
  }
  t.request.seed = 100 + id;
  t.result.tokens = {1, 2};
  t.result.pieces = {"a", "b"};
  t.result.held_bytes = {0, 0};
  t.result.entropy_bits = {0.5f, 0.25f};
  t.result.margin = {0.1f, 0.9f};
  t.result.logprob = {-0.7f, -0.01f};
  t.result.forward_tokens = forward;
  t.answer = std::move(answer);
  t.answer_margin = margin;
  t.correct = correct;
  return t;
}

// Greedy answers 5 (wrong); the samples say 7, 5, 7; the first-token forks
// 7 (margin 0.9) and nothing.
PoolItem HandPool() {
  PoolItem p;
  p.item = "q1";
  p.prompt_tokens = 4;
  p.traces = {Trace(0, -1, "greedy", "5", 0.3, 0, 10), Trace(1, -1, "sample", "7", 0.2, 1, 8),
              Trace(2, -1, "sample", "5", 0.8, 0, 9),  Trace(3, -1, "sample", "7", 0.1, 1, 7),
              Trace(4, 0, "first_token", "7", 0.9, 1, 6), Trace(5, 0, "first_token", std::nullopt, 0.0, 0, 5)};
  return p;
}

ReplayOutcome Replay(const PoolItem& p, const std::string& method) {
  return ReplayItem(p, ParseReplayMethods(method).at(0));
}

TEST(Replay, BaselinesOnAHandPool) {
  const PoolItem p = HandPool();
  ReplayOutcome g = Replay(p, "greedy");
  EXPECT_TRUE(g.replayed);
  EXPECT_EQ(g.correct, 0.0);
  EXPECT_EQ(g.forward_tokens, 14);  // prompt 4 + 10
  EXPECT_EQ(g.traces, 1);
  ReplayOutcome sc = Replay(p, "sc@3");  // 7, 5, 7: 7
  EXPECT_EQ(sc.chosen_trace, 1);
  EXPECT_EQ(sc.correct, 1.0);
  EXPECT_EQ(sc.forward_tokens, 3 * 4 + 8 + 9 + 7);
  // sc@2 averages over the three pairs: {7, 5} tie -> 7 (seen first, right),
  // {7, 7} -> right, {5, 7} tie -> 5 (wrong): 2/3; tokens (25 + 23 + 24) / 3.
  const ReplayOutcome sc2 = Replay(p, "sc@2");
  EXPECT_EQ(sc2.chosen_trace, 1);  // of the first pair
  EXPECT_NEAR(sc2.correct, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(sc2.forward_tokens, 24);
  EXPECT_FALSE(Replay(p, "sc@4").replayed);      // three samples stored
  // pass@2: {7, 5} right, {7, 7} right, {5, 7} right; pass@1: 2 of 3 samples right.
  EXPECT_NEAR(Replay(p, "pass@2").correct, 1.0, 1e-12);
  EXPECT_NEAR(Replay(p, "pass@1").correct, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(Replay(p, "pass@2").forward_tokens, 24);  // the same traces as sc@2
  ReplayOutcome cot = Replay(p, "cot@3");        // greedy 0.3, fork 0.9, fork without answer
  EXPECT_EQ(cot.chosen_trace, 4);
  EXPECT_EQ(cot.correct, 1.0);
  EXPECT_EQ(cot.forward_tokens, 4 + 10 + 6 + 5);  // forks reuse the prompt
  EXPECT_EQ(Replay(p, "cot@1").forward_tokens, 14);

  const std::vector<PoolItem> items = {p, p};
  const auto rows = ReplayPool(items, ParseReplayMethods("greedy,sc@3,sc@4"), 200, 1);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].items, 2);
  EXPECT_DOUBLE_EQ(rows[1].accuracy.estimate, 1.0);
  EXPECT_DOUBLE_EQ(rows[1].vs_greedy.difference.estimate, 1.0);
  EXPECT_DOUBLE_EQ(rows[0].one_trace_share, 1.0);
  EXPECT_DOUBLE_EQ(rows[0].one_trace_accuracy, 0.0);  // greedy is wrong on the hand pool
  EXPECT_DOUBLE_EQ(rows[0].compute_vs_greedy, 1.0);
  EXPECT_DOUBLE_EQ(rows[1].compute_vs_greedy, 36.0 / 14.0);  // sc@3: 3 x 4 + 8 + 9 + 7 against 14
  EXPECT_DOUBLE_EQ(rows[1].one_trace_share, 0.0);
  EXPECT_EQ(rows[2].missed, 2);
  EXPECT_NE(ReplayChartSvg(rows).find("<svg"), std::string::npos);
  const std::string lines = ReplayItemsJsonl(rows);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 6);  // 3 methods x 2 items
  const std::string sc3 = R"({"chosen_trace":1,"correct":1.0,"forward_tokens":36,"item":"q1","method":"sc@3")";
  EXPECT_NE(lines.find(sc3), std::string::npos) << lines;
}

// --versus: each row against a base row, paired on the items both
// replayed; Holm over the rows other than the base.
TEST(Replay, CompareWithPairsItemsAndAdjusts) {
  const auto row = [](const std::string& label, std::vector<double> correct) {
    ReplayRow r;
    r.label = label;
    for (size_t i = 0; i < correct.size(); ++i) {
      ReplayOutcome o;
      o.replayed = correct[i] >= 0.0;  // -1: a miss
      o.correct = std::max(0.0, correct[i]);
      r.per_item.push_back({"q" + std::to_string(i), o});
    }
    return r;
  };
  const std::vector<ReplayRow> rows = {row("a", {1, 1, 1, 1, 0, 0}), row("base", {0, 0, 0, 1, 0, -1}),
                                       row("c", {0, 0, 0, 1, 0, 1})};
  const std::vector<VersusRow> vs = CompareWith(rows, 1, 200, 1);  // paired by position, whatever the ids
  ASSERT_EQ(vs.size(), 3u);
  EXPECT_EQ(vs[0].items, 5);  // item 5 is a miss of the base
  EXPECT_NEAR(vs[0].comparison.difference.estimate, 3.0 / 5.0, 1e-12);
  EXPECT_EQ(vs[0].comparison.a_only, 3);
  EXPECT_EQ(vs[0].comparison.b_only, 0);
  EXPECT_NEAR(vs[0].comparison.mcnemar_p, 0.25, 1e-12);  // 2 x (1/2)^3
  EXPECT_NEAR(vs[2].comparison.mcnemar_p, 1.0, 1e-12);   // no discordant item
  EXPECT_NEAR(vs[0].mcnemar_holm, 0.5, 1e-12);           // two comparisons: 2 x 0.25
  EXPECT_NEAR(vs[2].mcnemar_holm, 1.0, 1e-12);
  const std::string md = VersusMarkdown(vs, 1, 200);
  EXPECT_NE(md.find("| a | 5 | +0.600"), std::string::npos) << md;
  EXPECT_NE(md.find("vs base [95% CI]"), std::string::npos) << md;
  EXPECT_EQ(md.find("| base |"), std::string::npos);
  const nlohmann::json j = VersusJson(vs, 1);
  EXPECT_EQ(j["base"], "base");
  ASSERT_EQ(j["rows"].size(), 2u);  // the base is not compared with itself
  EXPECT_EQ(j["rows"][0]["only_method"], 3);
  EXPECT_DOUBLE_EQ(j["rows"][1]["mcnemar_holm"].get<double>(), 1.0);
  // Items are paired by position: two pools with the same ids stay apart.
  std::vector<ReplayRow> twice = {row("x", {1, 0}), row("y", {0, 1})};
  twice[0].per_item[1].first = twice[0].per_item[0].first;  // both items named "q0"
  twice[1].per_item[1].first = twice[1].per_item[0].first;
  EXPECT_NEAR(CompareWith(twice, 1, 200, 1)[0].comparison.difference.estimate, 0.0, 1e-12);
  EXPECT_EQ(CompareWith(twice, 1, 200, 1)[0].comparison.a_only, 1);
}

TEST(Replay, MethodListErrors) {
  EXPECT_NE(ErrorOf([] { ParseReplayMethods("greedy,sc@4,greedy"); }).find("'greedy' is listed twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseReplayMethods("pass@0"); }), "");
  EXPECT_NE(ErrorOf([] { ParseReplayMethods("pass@x"); }), "");
}

// The dev selection rule: vote methods only, no misses, within the compute
// cap; the most accurate, ties to the cheaper, then the earlier.
TEST(Replay, ChooseMethodFollowsTheDeclaredRule) {
  const std::vector<ReplayMethod> methods =
      ParseReplayMethods("greedy,sc@8,vote-default,vote-cot,vote-default:vote.beta=2");
  std::vector<ReplayRow> rows(methods.size());
  const auto set = [&](size_t i, double acc, double ratio, double fwd, int missed) {
    rows[i].items = 10;
    rows[i].accuracy.estimate = acc;
    rows[i].compute_vs_greedy = ratio;
    rows[i].mean_forward_tokens = fwd;
    rows[i].missed = missed;
  };
  set(0, 0.30, 1.0, 100, 0);
  set(1, 0.90, 2.0, 200, 0);  // a baseline, never chosen
  set(2, 0.50, 2.5, 250, 0);
  set(3, 0.50, 2.0, 200, 0);  // ties with 2, cheaper
  set(4, 0.70, 3.5, 350, 0);  // over the cap
  EXPECT_EQ(ChooseMethod(rows, methods, 3.0), 3);
  EXPECT_EQ(ChooseMethod(rows, methods, 4.0), 4);
  rows[4].missed = 1;  // a method that missed an item is out
  EXPECT_EQ(ChooseMethod(rows, methods, 4.0), 3);
  rows[3].accuracy.estimate = 0.4;
  EXPECT_EQ(ChooseMethod(rows, methods, 3.0), 2);
  set(3, 0.50, 2.5, 250, 0);  // an exact tie (accuracy and compute): the earlier method
  EXPECT_EQ(ChooseMethod(rows, methods, 3.0), 2);
  EXPECT_EQ(ChooseMethod(rows, methods, 1.5), -1);
}

// Beyond 200 subsets sc@K samples 200 of them (seeded): close to the exact
// expectation, computed here over all C(12, 6) = 924 subsets.
TEST(Replay, SelfConsistencySamplesSubsetsBeyondTwoHundred) {
  PoolItem p;
  p.item = "q";
  p.seed = 11;
  p.prompt_tokens = 4;
  p.traces = {Trace(0, -1, "greedy", "5", 0.3, 0, 10)};
  const char* answers = "757557755757";  // 12 samples; 7 is right
  for (int i = 0; i < 12; ++i) {
    const std::string a(1, answers[i]);
    p.traces.push_back(Trace(i + 1, -1, "sample", a, 0.5, a == "7" ? 1 : 0, 5));
  }
  double exact = 0.0;
  int subsets = 0;
  for (int mask = 0; mask < (1 << 12); ++mask) {
    if (__builtin_popcount(mask) != 6) continue;
    int sevens = 0, fives = 0;
    char first = 0;
    for (int i = 0; i < 12; ++i) {
      if (!(mask >> i & 1)) continue;
      if (!first) first = answers[i];
      (answers[i] == '7' ? sevens : fives) += 1;
    }
    exact += sevens > fives || (sevens == fives && first == '7');
    ++subsets;
  }
  exact /= subsets;
  const ReplayOutcome o = Replay(p, "sc@6");
  EXPECT_NEAR(o.correct, exact, 0.07);
  EXPECT_EQ(Replay(p, "sc@6").correct, o.correct);  // seeded: the same every time
  EXPECT_EQ(o.forward_tokens, 6 * (4 + 5));
}

TEST(Replay, MethodListsAreChecked) {
  EXPECT_EQ(ParseReplayMethods("greedy,sc@8,cot@4,vote-default").size(), 4u);
  EXPECT_THROW(ParseReplayMethods("sc@0"), Error);
  EXPECT_THROW(ParseReplayMethods("cot@x"), Error);
  EXPECT_THROW(ParseReplayMethods("greedy,,sc@2"), Error);
  EXPECT_THROW(ParseReplayMethods("no-such-profile"), Error);
  // A grid of overrides: every combination, in order, checked like a file.
  const auto grid = ParseReplayMethods("greedy,vote-default:gate.answer_margin=0.2|0.4:vote.weight=uniform|margin");
  ASSERT_EQ(grid.size(), 5u);
  EXPECT_EQ(grid[1].label, "vote-default:gate.answer_margin=0.2:vote.weight=uniform");
  EXPECT_EQ(grid[2].label, "vote-default:gate.answer_margin=0.2:vote.weight=margin");
  EXPECT_EQ(grid[4].label, "vote-default:gate.answer_margin=0.4:vote.weight=margin");
  EXPECT_DOUBLE_EQ(grid[3].profile.gate.answer_margin, 0.4);
  EXPECT_EQ(grid[3].profile.vote.weight, VoteWeight::kUniform);
  EXPECT_EQ(grid[3].profile.budget.max_traces, 7);  // the rest is vote-default's
  EXPECT_THROW(ParseReplayMethods("vote-default:gate.no_such_knob=1"), Error);
  EXPECT_THROW(ParseReplayMethods("vote-default:vote.weight=loudest"), Error);
  EXPECT_THROW(ParseReplayMethods("vote-default:gate.answer_margin"), Error);
  EXPECT_EQ(ParsePoolSpec("greedy,entropy:8,sample:4").size(), 2u);
  EXPECT_THROW(ParsePoolSpec("entropy"), Error);
  EXPECT_THROW(ParsePoolSpec("entropy:8,entropy:2"), Error);
  EXPECT_THROW(ParsePoolSpec("beam:3"), Error);
  EXPECT_THROW(ParsePoolSpec("greedy"), Error);
}

TEST(TracePool, LinesRoundTripAndDamageIsLocated) {
  PoolItem p = HandPool();
  p.answer_rule = {AnswerRule::Kind::kFirst, false, {"9.9", "9.11"}};
  const PoolItem back = PoolItem::FromJson(p.ToLine(), "pool.jsonl", 1);
  ASSERT_EQ(back.traces.size(), p.traces.size());
  EXPECT_TRUE(back.answer_rule == p.answer_rule);
  EXPECT_EQ(back.ToLine(), p.ToLine());
  EXPECT_EQ(back.traces[4].request.first.rank, 4);
  EXPECT_EQ(back.traces[2].result.entropy_bits, p.traces[2].result.entropy_bits);
  auto expect_error = [](const std::string& line, const std::string& piece) {
    try {
      PoolItem::FromJson(line, "pool.jsonl", 3);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("pool.jsonl line 3: ", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find(piece), std::string::npos) << e.what();
    }
  };
  nlohmann::json j = nlohmann::json::parse(p.ToLine());
  j["traces"][1]["margin"] = {0.5};
  expect_error(j.dump(), "differ in length");
  j = nlohmann::json::parse(p.ToLine());
  j["traces"][2]["parent"] = 7;
  expect_error(j.dump(), "parent");
  j = nlohmann::json::parse(p.ToLine());
  j["traces"][0]["first"]["kind"] = "beam";
  expect_error(j.dump(), "greedy, ranked or sample");
  j = nlohmann::json::parse(p.ToLine());
  j["answer_rule"]["kind"] = "regex";
  expect_error(j.dump(), "none, math or first");
  j = nlohmann::json::parse(p.ToLine());
  j["answer_rule"]["candidates"] = {"9.9", "nine"};
  expect_error(j.dump(), "numbers written as strings");
  j["answer_rule"] = {{"kind", "none"}, {"candidates", {"1", "2"}}};
  expect_error(j.dump(), "answer rule 'none'");
  expect_error("{\"item\": 1}", "item");
}

// ------------------------------------------------------- a model-free host

// A stand-in for the model: at every context, the 12 tokens are ranked by a
// hash of the context (0-9 are " 0".." 9", 10 is " so", 11 ends the trace),
// and the signals are hashed too. So forks, samples and answers behave like
// a model's: a function of the context, the rule and the seed alone.
class FakeModelHost final : public TraceHost {
 public:
  explicit FakeModelHost(uint64_t prompt) : prompt_(prompt) {}  // the prompt: a salt of every context
  std::vector<TraceResult> RunBatch(const std::vector<TraceRequest>& batch) override {
    std::vector<TraceResult> out;
    for (const TraceRequest& r : batch) {
      out.push_back(Decode(r));
      done_[r.id] = out.back();
    }
    std::reverse(out.begin(), out.end());  // any order
    return out;
  }

 private:
  uint64_t Hash(const std::vector<int32_t>& ctx) const {
    uint64_t h = 1469598103934665603ull ^ (prompt_ * 0x9e3779b97f4a7c15ull);
    for (int32_t t : ctx) h = (h ^ static_cast<uint64_t>(t + 1)) * 1099511628211ull;
    return h ^ (h >> 29);
  }
  static std::vector<int32_t> Ranked(uint64_t h) {
    std::vector<int32_t> c(12);
    for (int i = 0; i < 12; ++i) c[i] = i;
    for (int i = 11; i > 0; --i) {
      h = h * 6364136223846793005ull + 1442695040888963407ull;
      std::swap(c[i], c[(h >> 33) % (i + 1)]);
    }
    return c;
  }
  static int32_t Choose(const TokenRule& rule, const std::vector<int32_t>& c, uint64_t& rng) {
    switch (rule.kind) {
      case TokenRule::Kind::kGreedy: return c[0];
      case TokenRule::Kind::kRanked: return c[rule.rank - 1];
      case TokenRule::Kind::kSample: {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        const int skip = rule.exclude_greedy ? 1 : 0;
        return c[skip + (rng >> 33) % (12 - skip)];
      }
    }
    return c[0];
  }
  TraceResult Decode(const TraceRequest& r) {
    TraceResult t;
    t.id = r.id;
    if (r.parent >= 0) {
      const TraceResult& p = done_.at(r.parent);
      const int n = r.fork_position;
      t.tokens.assign(p.tokens.begin(), p.tokens.begin() + n);
      t.pieces.assign(p.pieces.begin(), p.pieces.begin() + n);
      t.held_bytes.assign(p.held_bytes.begin(), p.held_bytes.begin() + n);
      t.entropy_bits.assign(p.entropy_bits.begin(), p.entropy_bits.begin() + n);
      t.margin.assign(p.margin.begin(), p.margin.begin() + n);
      t.logprob.assign(p.logprob.begin(), p.logprob.begin() + n);
      t.forward_tokens = 1;  // the re-fed token, as the scheduler host counts it
    }
    uint64_t rng = r.seed;
    t.end = TraceEnd::kLength;
    for (int i = r.fork_position; i < 7; ++i) {
      const uint64_t h = Hash(t.tokens);
      const int32_t token = Choose(i == r.fork_position ? r.first : r.rest, Ranked(h), rng);
      ++t.forward_tokens;
      if (token == 11) {
        t.end = TraceEnd::kEndOfGeneration;
        break;
      }
      t.tokens.push_back(token);
      std::string piece = " ";
      piece += token == 10 ? "so" : std::to_string(token);
      t.pieces.push_back(piece);
      t.held_bytes.push_back(0);
      t.entropy_bits.push_back(static_cast<float>(h % 300) / 100.0f);
      t.margin.push_back(static_cast<float>((h >> 8) % 99) / 100.0f);
      t.logprob.push_back(-static_cast<float>((h >> 16) % 100) / 50.0f);
    }
    return t;
  }
  uint64_t prompt_;
  std::map<int, TraceResult> done_;
};

// Replaying a profile on a pool gives what the live strategy gives on the
// same host, seed by seed: the same chosen trace, stop reason, trace count
// and compute — gate passes, consensus and budgets alike.
TEST(Replay, EqualsTheLiveStrategyOnAFakeModel) {
  const VoteProfile base = ResolveVoteProfile("vote-default");
  std::vector<VoteProfile> profiles = {base, ResolveVoteProfile("vote-cot")};
  VoteProfile quick = base;  // stops early: a low gate and a loose consensus
  quick.gate.answer_margin = 0.3;
  quick.gate.trace_confidence = -10.0;
  quick.vote.stop_share = 0.5;
  quick.budget.batch = 3;
  profiles.push_back(quick);
  VoteProfile small = base;  // a smaller budget than the pool's
  small.budget.max_traces = 3;
  profiles.push_back(small);
  VoteProfile sc = base;  // self-consistency with a uniform vote
  sc.fork.rule = ForkRule::kIndependentSample;
  sc.vote.weight = VoteWeight::kUniform;
  sc.budget.max_traces = 5;
  profiles.push_back(sc);
  const std::vector<PoolKind> kinds = {{ForkRule::kEntropy, 6}, {ForkRule::kFirstToken, 6},
                                       {ForkRule::kIndependentSample, 6}};
  std::map<std::string, int> reasons;
  int compared = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    FakeModelHost pool_host(seed);
    PoolItem item;
    item.seed = seed;
    item.prompt_tokens = 5;
    item.traces = RunPoolKinds(pool_host, kinds, base, seed, RuleAnswerHook(item.answer_rule));
    ASSERT_EQ(item.traces[0].request.origin, "greedy");
    const PoolItem stored = PoolItem::FromJson(item.ToLine(), "pool.jsonl", 1);  // replay what a file holds
    for (size_t pi = 0; pi < profiles.size(); ++pi) {
      const VoteProfile& profile = profiles[pi];
      FakeModelHost live_host(seed);
      VoteStrategy live(profile, RuleAnswerHook(item.answer_rule), seed);  // the pool's rule, as replay
      const VoteOutcome& v = RunVote(live, live_host);
      int from_prompt = 0;
      for (const VoteEvent& e : live.events()) from_prompt += e.kind == VoteEvent::Kind::kTraceStarted && e.parent < 0;
      ReplayMethod m;
      m.kind = ReplayMethod::Kind::kVote;
      m.profile = profile;
      const ReplayOutcome o = ReplayItem(stored, m);
      const std::string where = "seed " + std::to_string(seed) + " profile " + std::to_string(pi);
      ASSERT_TRUE(o.replayed) << where;
      EXPECT_EQ(o.stop_reason, v.stop_reason) << where;
      EXPECT_EQ(o.traces, v.traces) << where;
      EXPECT_EQ(o.forward_tokens, 5 * from_prompt + v.forward_tokens) << where;
      EXPECT_EQ(stored.traces[o.chosen_trace].result.tokens, live.trace(v.chosen_trace).tokens) << where;
      EXPECT_EQ(stored.traces[o.chosen_trace].answer, v.answer) << where;
      ++reasons[v.stop_reason];
      ++compared;
    }
  }
  EXPECT_EQ(compared, 200);
  // The comparison covers the ways a vote ends.
  EXPECT_GT(reasons["gate"], 0);
  EXPECT_GT(reasons["consensus"], 0);
  EXPECT_GT(reasons["max_traces"], 0);
  // A profile the pool cannot serve (another fork token rule) is a miss, not a guess.
  VoteProfile other = base;
  other.fork.token = ForkToken::kSampled;
  other.gate.answer_margin = 2.0;
  FakeModelHost pool_host(1);
  PoolItem item;
  item.seed = 1;
  item.traces = RunPoolKinds(pool_host, kinds, base, 1, RuleAnswerHook(item.answer_rule));
  ReplayMethod m;
  m.kind = ReplayMethod::Kind::kVote;
  m.profile = other;
  EXPECT_FALSE(ReplayItem(item, m).replayed);
}

// ------------------------------------------------------------- on a model

const std::string kModel = std::string(ENTROPIX_SHARED_DIR) + "/models/stories260K.gguf";

// The live vote samplers' records against the same profiles replayed on a
// pool built from the same items and seeds.
TEST(Replay, ReproducesLiveVoteRecords) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << "no " << kModel;
  const auto model = Model::Load(kModel);
  const auto tokenizer = Tokenizer::FromGguf(model->file());
  const auto dir = std::filesystem::path(::testing::TempDir()) / "entropix_pool_replay";
  std::filesystem::remove_all(dir);
  TaskOptions to;
  to.name = "arith";
  to.limit = 4;
  to.seed = 3;
  const auto task = MakeTask(to);
  EvalOptions eo;
  eo.out_dir = (dir / "eval").string();
  eo.seed = 5;
  eo.max_tokens = 16;
  eo.threads = 1;
  eo.context = 256;
  eo.progress = false;
  eo.resamples = 200;
  RunEvaluation(*model, *tokenizer, "stories260K", *task, ParseSamplers("vote,vote@vote-cot", *model), eo);

  PoolOptions po;
  po.out_dir = (dir / "pool").string();
  po.spec = "entropy:6,first_token:6";
  po.kinds = ParsePoolSpec(po.spec);
  po.base = ResolveVoteProfile("vote-default");
  po.seed = eo.seed;
  po.max_tokens = eo.max_tokens;
  po.threads = 1;
  po.progress = false;
  EXPECT_EQ(BuildTracePool(*model, *tokenizer, "stories260K", *task, po).built, 4);
  EXPECT_EQ(BuildTracePool(*model, *tokenizer, "stories260K", *task, po).resumed, 4);  // resumable
  const std::vector<PoolItem> pool = ReadPoolFile(std::filesystem::path(po.out_dir) / "pool.jsonl");
  ASSERT_EQ(pool.size(), 4u);
  std::map<std::string, const PoolItem*> by_item;
  for (const PoolItem& p : pool) by_item[p.item] = &p;

  int compared = 0;
  for (const EvalRecord& r : ReadResults(eo.out_dir)) {
    const std::string profile = r.sampler == "vote" ? "vote-default" : "vote-cot";
    const ReplayOutcome o = ReplayItem(*by_item.at(r.item), ParseReplayMethods(profile).at(0));
    ASSERT_TRUE(o.replayed) << r.sampler << " item " << r.item;
    ASSERT_TRUE(r.vote.has_value());
    EXPECT_EQ(o.correct, r.correct) << r.sampler << " item " << r.item;
    // Live compute also counts speculative forks a passed gate left unused.
    EXPECT_EQ(o.forward_tokens, *r.forward_tokens - r.vote->speculative_tokens) << r.sampler << " item " << r.item;
    EXPECT_EQ(o.traces, r.vote->traces) << r.sampler << " item " << r.item;
    EXPECT_EQ(o.stop_reason, r.vote->stop_reason) << r.sampler << " item " << r.item;
    // The chosen trace's tokens are the record's response.
    EXPECT_EQ(by_item.at(r.item)->traces[o.chosen_trace].result.tokens, r.token_ids) << r.sampler << " item " << r.item;
    ++compared;
  }
  EXPECT_EQ(compared, 8);
  std::filesystem::remove_all(dir);
}

// Items batched on one scheduler (--parallel) give the pool a serial run
// gives, item for item (only the order of the lines may differ).
TEST(TracePool, SameForAnyParallel) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << "no " << kModel;
  const auto model = Model::Load(kModel);
  const auto tokenizer = Tokenizer::FromGguf(model->file());
  const auto dir = std::filesystem::path(::testing::TempDir()) / "entropix_pool_parallel";
  std::filesystem::remove_all(dir);
  TaskOptions to;
  to.name = "arith";
  to.limit = 5;
  to.seed = 4;
  const auto task = MakeTask(to);
  std::map<int, std::map<std::string, std::string>> lines;  // parallel -> item -> line
  for (int parallel : {1, 3}) {
    PoolOptions po;
    po.out_dir = (dir / std::to_string(parallel)).string();
    po.spec = "entropy:3,first_token:2,sample:2";
    po.kinds = ParsePoolSpec(po.spec);
    po.base = ResolveVoteProfile("vote-default");
    po.seed = 9;
    po.max_tokens = 16;
    po.threads = 2;
    po.parallel = parallel;
    po.progress = false;
    ASSERT_EQ(BuildTracePool(*model, *tokenizer, "stories260K", *task, po).built, 5);
    for (const PoolItem& p : ReadPoolFile(std::filesystem::path(po.out_dir) / "pool.jsonl")) {
      lines[parallel][p.item] = p.ToLine();
    }
  }
  ASSERT_EQ(lines[1].size(), 5u);
  ASSERT_EQ(lines[3].size(), 5u);
  for (const auto& [item, line] : lines[1]) EXPECT_TRUE(line == lines[3][item]) << "item " << item << " differs";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace entropix
