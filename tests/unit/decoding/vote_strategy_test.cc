// The strategy against a fake host that returns scripted traces: the gate,
// the fork batches, consensus, the budgets, loop escape, independent
// samples, best-of-N, and the same outcome whatever the order of results.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "decoding/trace_host.h"
#include "decoding/vote_strategy.h"

namespace entropix {
namespace {

struct Tok {
  std::string piece;
  float entropy_bits;
  float margin;
};

struct Script {
  std::vector<Tok> tokens;  // from the fork position on
  TraceEnd end = TraceEnd::kEndOfGeneration;
};

// Scripts are keyed "greedy", "fork <parent> <position> <rank>" or
// "sample <id>". A fork's result is its parent's first tokens plus the script.
class FakeHost : public TraceHost {
 public:
  std::map<std::string, Script> scripts;
  std::vector<std::vector<TraceRequest>> batches;  // every batch asked for
  bool reverse = false;                            // return results in reverse order

  std::vector<TraceResult> RunBatch(const std::vector<TraceRequest>& batch) override {
    batches.push_back(batch);
    std::vector<TraceResult> out;
    for (const TraceRequest& r : batch) out.push_back(Run(r));
    if (reverse) std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  std::map<int, TraceResult> done_;
  std::map<std::string, int32_t> ids_;

  static std::string Key(const TraceRequest& r) {
    if (r.origin == "greedy") return "greedy";
    if (r.origin == "sample") return "sample " + std::to_string(r.id);
    return "fork " + std::to_string(r.parent) + " " + std::to_string(r.fork_position) + " " +
           std::to_string(r.first.rank);
  }

  TraceResult Run(const TraceRequest& r) {
    const auto it = scripts.find(Key(r));
    EXPECT_NE(it, scripts.end()) << "no script for " << Key(r);
    TraceResult t;
    t.id = r.id;
    if (r.parent >= 0) {
      const TraceResult& p = done_.at(r.parent);
      const size_t n = r.fork_position;
      t.tokens.assign(p.tokens.begin(), p.tokens.begin() + n);
      t.pieces.assign(p.pieces.begin(), p.pieces.begin() + n);
      t.entropy_bits.assign(p.entropy_bits.begin(), p.entropy_bits.begin() + n);
      t.margin.assign(p.margin.begin(), p.margin.begin() + n);
      t.logprob.assign(p.logprob.begin(), p.logprob.begin() + n);
    }
    for (const Tok& k : it->second.tokens) {
      t.tokens.push_back(ids_.emplace(k.piece, static_cast<int32_t>(ids_.size())).first->second);
      t.pieces.push_back(k.piece);
      t.entropy_bits.push_back(k.entropy_bits);
      t.margin.push_back(k.margin);
      t.logprob.push_back(-k.entropy_bits);
    }
    t.end = it->second.end;
    t.forward_tokens = static_cast<int64_t>(it->second.tokens.size());
    done_[r.id] = t;
    return t;
  }
};

// "Hmm so x is y. Answer: 12" + end. The answer "12" is tokens 6-7 with
// margins 0.1 and 0.3: answer margin 0.2. Entropy order outside the answer:
// 2 (2.5), 4 (1.5), 0 (1.0), ...
Script Greedy() {
  return {{{"Hmm", 1.0f, 0.5f},
           {" so", 0.1f, 0.9f},
           {" x", 2.5f, 0.2f},
           {" is", 0.2f, 0.9f},
           {" y", 1.5f, 0.4f},
           {". Answer:", 0.1f, 0.9f},
           {" 1", 3.0f, 0.1f},
           {"2", 0.5f, 0.3f},
           {"", 0.0f, 1.0f}}};
}

Script Says(const std::string& word, const std::string& number) {
  return {{{word, 0.5f, 0.5f}, {" " + number, 0.2f, 0.8f}, {"", 0.0f, 1.0f}}};
}

VoteProfile BaseProfile() {
  VoteProfile p;
  p.budget = {4, 2, 0};
  p.gate = {0.5, -1.0, true};
  p.confidence = {TokenConfidence::kNegEntropy, TraceConfidenceRule::kLowestWindow, 32};
  p.fork.rule = ForkRule::kEntropy;
  p.fork.min_gap = 2;
  p.vote.weight = VoteWeight::kUniform;
  p.vote.stop_share = 0.6;
  p.vote.min_agreeing = 2;
  return p;
}

FakeHost ForkingHost() {
  FakeHost h;
  h.scripts["greedy"] = Greedy();
  h.scripts["fork 0 0 2"] = Says(" Well", "12");
  h.scripts["fork 0 2 2"] = Says(" z", "7");
  h.scripts["fork 0 4 2"] = Says(" w", "7");
  return h;
}

TEST(VoteStrategy, GatePassesConfidentGreedy) {
  FakeHost h;
  Script g = Greedy();
  g.tokens[6].margin = 0.7f;  // answer margin (0.7 + 0.3) / 2 = 0.5 >= 0.5
  h.scripts["greedy"] = g;
  VoteStrategy s(BaseProfile(), MathAnswerHook(), 7);
  const VoteOutcome& o = RunVote(s, h);
  EXPECT_EQ(o.stop_reason, "gate");
  EXPECT_EQ(o.traces, 1);
  EXPECT_EQ(o.answer, "12");
  EXPECT_EQ(o.forward_tokens, 9);
  ASSERT_EQ(h.batches.size(), 1u);
  EXPECT_EQ(h.batches[0][0].first.kind, TokenRule::Kind::kGreedy);
  EXPECT_EQ(h.batches[0][0].rest.kind, TokenRule::Kind::kGreedy);
}

TEST(VoteStrategy, GateFailsOnEachCondition) {
  // Low answer margin (0.2): forks.
  {
    FakeHost h = ForkingHost();
    VoteStrategy s(BaseProfile(), MathAnswerHook(), 7);
    EXPECT_NE(RunVote(s, h).stop_reason, "gate");
  }
  // Low trace confidence: the 32-window covers the whole trace, mean -H =
  // -(8.9 / 9) = -0.989; a threshold of -0.5 fails it.
  {
    FakeHost h = ForkingHost();
    Script g = Greedy();
    g.tokens[6].margin = 0.9f;
    h.scripts["greedy"] = g;
    VoteProfile p = BaseProfile();
    p.gate.trace_confidence = -0.5;
    VoteStrategy s(p, MathAnswerHook(), 7);
    EXPECT_NE(RunVote(s, h).stop_reason, "gate");
    p.gate.trace_confidence = -1.0;
    FakeHost h2 = ForkingHost();
    h2.scripts["greedy"] = g;
    VoteStrategy s2(p, MathAnswerHook(), 7);
    EXPECT_EQ(RunVote(s2, h2).stop_reason, "gate");
  }
  // Cut by the token cap: never accepted, however confident.
  {
    FakeHost h = ForkingHost();
    Script g = Greedy();
    g.tokens[6].margin = 0.9f;
    g.end = TraceEnd::kLength;
    h.scripts["greedy"] = g;
    VoteStrategy s(BaseProfile(), MathAnswerHook(), 7);
    EXPECT_NE(RunVote(s, h).stop_reason, "gate");
  }
}

TEST(VoteStrategy, ForksInABatchThenStopsAtConsensus) {
  FakeHost h = ForkingHost();
  VoteStrategy s(BaseProfile(), MathAnswerHook(), 7);
  const VoteOutcome& o = RunVote(s, h);
  // Plan: 0 (always), 2 (entropy 2.5), 4 (1.5, gap 2); 6 is in the answer.
  ASSERT_EQ(h.batches.size(), 2u);
  ASSERT_EQ(h.batches[1].size(), 2u);
  EXPECT_EQ(h.batches[1][0].fork_position, 0);
  EXPECT_EQ(h.batches[1][1].fork_position, 2);
  for (const TraceRequest& r : h.batches[1]) {
    EXPECT_EQ(r.parent, 0);
    EXPECT_EQ(r.first.kind, TokenRule::Kind::kRanked);
    EXPECT_EQ(r.first.rank, 2);
    EXPECT_EQ(r.rest.kind, TokenRule::Kind::kGreedy);
    EXPECT_EQ(r.origin, "entropy");
  }
  // 12 (greedy, fork at 0) against 7: 2/3 >= 0.6 with 2 traces.
  EXPECT_EQ(o.stop_reason, "consensus");
  EXPECT_EQ(o.answer, "12");
  EXPECT_EQ(o.traces, 3);
  EXPECT_EQ(o.forward_tokens, 9 + 3 + 3);  // the fork at 2 reuses 2 tokens: they cost nothing
  // The most confident trace for 12: the fork at 0 (its window mean -0.7/3)
  // beats the greedy trace (-0.989).
  EXPECT_EQ(o.chosen_trace, 1);
}

TEST(VoteStrategy, StopsAtMaxTraces) {
  FakeHost h = ForkingHost();
  VoteProfile p = BaseProfile();
  p.vote.stop_share = 0.9;
  VoteStrategy s(p, MathAnswerHook(), 7);
  const VoteOutcome& o = RunVote(s, h);
  // Batch 2 has room for one trace only (4 - 3): the fork at 4.
  ASSERT_EQ(h.batches.size(), 3u);
  ASSERT_EQ(h.batches[2].size(), 1u);
  EXPECT_EQ(h.batches[2][0].fork_position, 4);
  EXPECT_EQ(o.stop_reason, "max_traces");
  EXPECT_EQ(o.traces, 4);
  // 12 and 7 tie at 2 traces each: the first to appear (greedy's) leads.
  EXPECT_EQ(o.answer, "12");
}

TEST(VoteStrategy, StopsAtTheForwardTokenBudget) {
  FakeHost h = ForkingHost();
  VoteProfile p = BaseProfile();
  p.vote.stop_share = 0.9;
  p.budget.max_forward_tokens = 10;  // 9 after greedy: one more batch, then 9 + 3 + 3 = 15 >= 10
  VoteStrategy s(p, MathAnswerHook(), 7);
  const VoteOutcome& o = RunVote(s, h);
  EXPECT_EQ(o.stop_reason, "max_forward_tokens");
  EXPECT_EQ(o.traces, 3);
  EXPECT_EQ(o.forward_tokens, 15);
}

TEST(VoteStrategy, StopsWhenNoForkIsLeft) {
  FakeHost h = ForkingHost();
  VoteProfile p = BaseProfile();
  p.budget.max_traces = 8;
  // Gap 5: 0; 6-7 are the answer; 2, 4, 3, 1 are too close to 0; 5 fits;
  // 8 has margin 1 (the end token: nothing else is possible). Plan: 0, 5.
  p.fork.min_gap = 5;
  p.vote.stop_share = 0.9;
  h.scripts["fork 0 5 2"] = Says(" v", "9");
  VoteStrategy s(p, MathAnswerHook(), 7);
  const VoteOutcome& o = RunVote(s, h);
  EXPECT_EQ(o.stop_reason, "no_forks");
  EXPECT_EQ(o.traces, 3);
  EXPECT_EQ(h.batches[1][1].fork_position, 5);
}

TEST(VoteStrategy, LoopEscapeForksBackToTheLoopStart) {
  FakeHost h;
  Script g;
  g.tokens.push_back({"Go", 2.0f, 0.3f});
  for (int i = 0; i < 13; ++i) g.tokens.push_back({" la", 0.1f, 0.9f});
  g.end = TraceEnd::kLength;
  h.scripts["greedy"] = g;
  // The periodic tail starts at 1; the first copy is token 2.
  h.scripts["fork 0 2 2"] = Says(" done", "3");
  h.scripts["fork 0 0 2"] = Says(" Hi", "3");
  VoteStrategy s(BaseProfile(), MathAnswerHook(), 7);
  const VoteOutcome& o = RunVote(s, h);
  ASSERT_GE(h.batches.size(), 2u);
  const TraceRequest& escape = h.batches[1][0];
  EXPECT_EQ(escape.origin, "loop_escape");
  EXPECT_EQ(escape.parent, 0);
  EXPECT_EQ(escape.fork_position, 2);
  EXPECT_EQ(escape.first.kind, TokenRule::Kind::kRanked);
  EXPECT_EQ(escape.first.rank, 2);
  EXPECT_EQ(h.batches[1][1].fork_position, 0);  // then the plan
  EXPECT_EQ(o.stop_reason, "consensus");
  EXPECT_EQ(o.answer, "3");
}

// Greedy and three independent samples, none with an answer. Confidences
// (mean -H): greedy -1, "Hi" -0.25, "Hey" -1.5, "Yo" -0.75.
FakeHost AnswerlessSamplesHost() {
  FakeHost h;
  h.scripts["greedy"] = {{{"Hello", 1.0f, 0.5f}, {" there", 2.0f, 0.2f}, {"", 0.0f, 1.0f}}};
  h.scripts["sample 1"] = {{{"Hi", 0.5f, 0.5f}, {"", 0.0f, 1.0f}}};
  h.scripts["sample 2"] = {{{"Hey", 3.0f, 0.5f}, {"", 0.0f, 1.0f}}};
  h.scripts["sample 3"] = {{{"Yo", 1.5f, 0.5f}, {"", 0.0f, 1.0f}}};
  return h;
}

TEST(VoteStrategy, IndependentSamplesAndBestOfNWithoutAnswers) {
  FakeHost h = AnswerlessSamplesHost();
  VoteProfile p = BaseProfile();
  p.fork.rule = ForkRule::kIndependentSample;
  VoteStrategy s(p, MathAnswerHook(), 7);
  const VoteOutcome& o = RunVote(s, h);
  ASSERT_EQ(h.batches.size(), 3u);
  std::vector<uint64_t> seeds;
  for (const auto& batch : h.batches) {
    for (const TraceRequest& r : batch) {
      seeds.push_back(r.seed);
      if (r.id == 0) continue;
      EXPECT_EQ(r.parent, -1);
      EXPECT_EQ(r.fork_position, 0);
      EXPECT_EQ(r.first.kind, TokenRule::Kind::kSample);
      EXPECT_FALSE(r.first.exclude_greedy);
      EXPECT_EQ(r.rest.kind, TokenRule::Kind::kSample);
      EXPECT_DOUBLE_EQ(r.rest.params.temperature, p.sample.temperature);
    }
  }
  std::sort(seeds.begin(), seeds.end());
  EXPECT_EQ(std::unique(seeds.begin(), seeds.end()), seeds.end());
  // No answers: best-of-N by confidence picks "Hi".
  EXPECT_EQ(o.stop_reason, "max_traces");
  EXPECT_FALSE(o.answer);
  EXPECT_EQ(o.chosen_trace, 1);
}

// The strategy tells the vote which traces the model ended: a more
// confident sample cut at the token cap loses best-of-N to one that ended.
TEST(VoteStrategy, BestOfNSkipsATraceCutAtTheCap) {
  FakeHost h = AnswerlessSamplesHost();
  h.scripts["sample 1"].end = TraceEnd::kLength;
  VoteProfile p = BaseProfile();
  p.fork.rule = ForkRule::kIndependentSample;
  VoteStrategy s(p, MathAnswerHook(), 7);
  const VoteOutcome& o = RunVote(s, h);
  // "Hi", the most confident, hit the cap: "Yo" (-0.75) is chosen.
  EXPECT_EQ(s.trace(1).end, TraceEnd::kLength);
  EXPECT_EQ(o.chosen_trace, 3);
}

TEST(VoteStrategy, SampledForkTokenExcludesGreedy) {
  FakeHost h = ForkingHost();
  VoteProfile p = BaseProfile();
  p.fork.token = ForkToken::kSampled;
  p.fork.continuation = Continuation::kSampled;
  h.scripts["fork 0 0 1"] = Says(" Well", "12");  // sampled forks carry rank 1 (the default)
  h.scripts["fork 0 2 1"] = Says(" z", "7");
  VoteStrategy s(p, MathAnswerHook(), 7);
  RunVote(s, h);
  const TraceRequest& f = h.batches[1][0];
  EXPECT_EQ(f.first.kind, TokenRule::Kind::kSample);
  EXPECT_TRUE(f.first.exclude_greedy);
  EXPECT_EQ(f.rest.kind, TokenRule::Kind::kSample);
}

// The vote events and the outcome do not depend on the order results come in.
TEST(VoteStrategy, ResultOrderDoesNotMatter) {
  auto run = [](bool reverse) {
    FakeHost h = ForkingHost();
    h.reverse = reverse;
    VoteProfile p = BaseProfile();
    p.vote.stop_share = 0.9;
    p.vote.weight = VoteWeight::kConfidence;
    VoteStrategy s(p, MathAnswerHook(), 7);
    RunVote(s, h);
    std::string log;
    for (const VoteEvent& e : s.events()) {
      if (e.kind == VoteEvent::Kind::kVote || e.kind == VoteEvent::Kind::kStop ||
          e.kind == VoteEvent::Kind::kTraceStarted) {
        log += VoteEventToJson(e) + "\n";
      }
    }
    return log;
  };
  const std::string forward = run(false);
  EXPECT_EQ(forward, run(true));
  EXPECT_NE(forward.find(R"("event":"trace_started","fork_position":2,"origin":"entropy","parent":0,"rank":2)"),
            std::string::npos)
      << forward;
  EXPECT_NE(forward.find(R"("event":"stop")"), std::string::npos);
}

TEST(VoteStrategy, EventsRecordTracesAndTheVote) {
  FakeHost h = ForkingHost();
  VoteStrategy s(BaseProfile(), MathAnswerHook(), 7);
  RunVote(s, h);
  std::vector<std::string> kinds;
  for (const VoteEvent& e : s.events()) kinds.push_back(VoteEventToJson(e));
  // started 0, finished 0, started 1, started 2, finished 1, finished 2, vote, stop.
  ASSERT_EQ(kinds.size(), 8u);
  EXPECT_NE(kinds[1].find(R"("answer":"12")"), std::string::npos) << kinds[1];
  EXPECT_NE(kinds[1].find(R"("answer_margin":0.2)"), std::string::npos) << kinds[1];
  EXPECT_NE(kinds[6].find(R"("event":"vote")"), std::string::npos);
  EXPECT_NE(kinds[6].find(R"("leader":"12")"), std::string::npos) << kinds[6];
  EXPECT_NE(kinds[7].find(R"("reason":"consensus")"), std::string::npos) << kinds[7];
  EXPECT_EQ(s.trace(1).pieces[0], " Well");
}

// SpeculativeBatch: while the greedy trace runs, the first fork batch when
// the rule does not read the greedy trace: the requests NextBatch makes once
// the gate fails (same ids and work); nothing for entropy forks, nothing
// once the greedy trace is in.
TEST(VoteStrategy, SpeculativeBatchIsTheFirstForkBatchWhenKnownAhead) {
  for (ForkRule rule : {ForkRule::kFirstToken, ForkRule::kIndependentSample, ForkRule::kEntropy}) {
    VoteProfile p = BaseProfile();
    p.fork.rule = rule;
    p.budget.max_traces = 5;
    p.budget.batch = 3;
    p.gate.trace_confidence = 1e9;  // never passes
    VoteStrategy s(p, MathAnswerHook(), 11);
    ASSERT_EQ(s.NextBatch().size(), 1u);
    const std::vector<TraceRequest> ahead = s.SpeculativeBatch();
    TraceResult greedy;
    for (int i = 0; i < 6; ++i) {
      greedy.tokens.push_back(i);
      greedy.pieces.push_back(" w");
      greedy.entropy_bits.push_back(1.0f + static_cast<float>(i));
      greedy.margin.push_back(0.5f);
      greedy.logprob.push_back(-1.0f);
    }
    greedy.forward_tokens = 6;
    s.Finish(greedy);
    EXPECT_TRUE(s.SpeculativeBatch().empty());
    const std::vector<TraceRequest> next = s.NextBatch();
    ASSERT_EQ(next.size(), 3u);
    if (rule == ForkRule::kEntropy) {
      EXPECT_TRUE(ahead.empty());
      continue;
    }
    ASSERT_EQ(ahead.size(), next.size()) << ForkRuleName(rule);
    for (size_t i = 0; i < ahead.size(); ++i) {
      EXPECT_EQ(ahead[i].id, next[i].id);
      EXPECT_TRUE(SameWork(ahead[i], next[i])) << ForkRuleName(rule) << " request " << i;
      EXPECT_EQ(ahead[i].seed, next[i].seed);
      EXPECT_EQ(ahead[i].origin, next[i].origin);
    }
    if (rule == ForkRule::kFirstToken) EXPECT_EQ(next[2].first.rank, 4);
  }
}

// SameWork ignores ids and origins, and seeds unless a rule samples.
TEST(SameWork, ParentPositionRulesAndSeedWhenSampling) {
  TraceRequest a;
  a.parent = 0;
  a.first.kind = TokenRule::Kind::kRanked;
  a.first.rank = 2;
  a.seed = 1;
  TraceRequest b = a;
  b.id = 9;
  b.seed = 2;
  b.origin = "other";
  EXPECT_TRUE(SameWork(a, b));
  b.first.rank = 3;
  EXPECT_FALSE(SameWork(a, b));
  b = a;
  b.fork_position = 1;
  EXPECT_FALSE(SameWork(a, b));
  a.rest.kind = b.rest.kind = TokenRule::Kind::kSample;
  b = a;
  b.seed = 2;
  EXPECT_FALSE(SameWork(a, b));
  b.seed = a.seed;
  b.rest.params.temperature = a.rest.params.temperature + 0.1;
  EXPECT_FALSE(SameWork(a, b));
}

}  // namespace
}  // namespace entropix
