// Trace pools and offline replay (issue 10 item 5): the pool file format
// (round trip, damaged lines), the replayed baselines on a constructed pool
// with hand-computed answers, and, on stories260K, that replaying a vote
// profile on a pool reproduces the live `vote` eval records.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/error.h"
#include "eval/pool_runner.h"
#include "eval/replay.h"
#include "eval/runner.h"
#include "eval/trace_pool.h"
#include "model/model.h"
#include "runtime/vote_profiles.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

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
  EXPECT_EQ(Replay(p, "sc@2").chosen_trace, 1);  // 7, 5 tie: the answer seen first
  EXPECT_FALSE(Replay(p, "sc@4").replayed);      // three samples stored
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
  EXPECT_EQ(rows[2].missed, 2);
  EXPECT_NE(ReplayChartSvg(rows).find("<svg"), std::string::npos);
}

TEST(Replay, MethodListsAreChecked) {
  EXPECT_EQ(ParseReplayMethods("greedy,sc@8,cot@4,vote-default").size(), 4u);
  EXPECT_THROW(ParseReplayMethods("sc@0"), Error);
  EXPECT_THROW(ParseReplayMethods("cot@x"), Error);
  EXPECT_THROW(ParseReplayMethods("greedy,,sc@2"), Error);
  EXPECT_THROW(ParseReplayMethods("no-such-profile"), Error);
  EXPECT_EQ(ParsePoolSpec("greedy,entropy:8,sample:4").size(), 2u);
  EXPECT_THROW(ParsePoolSpec("entropy"), Error);
  EXPECT_THROW(ParsePoolSpec("entropy:8,entropy:2"), Error);
  EXPECT_THROW(ParsePoolSpec("beam:3"), Error);
  EXPECT_THROW(ParsePoolSpec("greedy"), Error);
}

TEST(TracePool, LinesRoundTripAndDamageIsLocated) {
  const PoolItem p = HandPool();
  const PoolItem back = PoolItem::FromJson(p.ToLine(), "pool.jsonl", 1);
  ASSERT_EQ(back.traces.size(), p.traces.size());
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
  expect_error("{\"item\": 1}", "item");
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
    EXPECT_EQ(o.forward_tokens, *r.forward_tokens) << r.sampler << " item " << r.item;
    EXPECT_EQ(o.traces, r.vote->traces) << r.sampler << " item " << r.item;
    EXPECT_EQ(o.stop_reason, r.vote->stop_reason) << r.sampler << " item " << r.item;
    // The chosen trace's tokens are the record's response.
    EXPECT_EQ(by_item.at(r.item)->traces[o.chosen_trace].result.tokens, r.token_ids) << r.sampler << " item " << r.item;
    ++compared;
  }
  EXPECT_EQ(compared, 8);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace entropix
