// Evaluation v2 (issue #8, runner side): declared splits, sampler specs and
// matched controls, several draws per item (pass@M, majority@M), compute and
// identity in every record, Holm-adjusted p-values and the new charts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "decoding/vote_profile.h"
#include "eval/checkpoint.h"
#include "eval/runner.h"
#include "eval/sampler_identity.h"
#include "eval/math_tasks.h"
#include "eval/splits.h"
#include "eval/statistics.h"
#include "eval/summary.h"
#include "eval/svg_chart.h"
#include "model/model.h"
#include "runtime/sampler_spec.h"
#include "sampling/profile.h"
#include "store/sha256.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kShared = ENTROPIX_SHARED_DIR;
const std::string kSource = std::string(ENTROPIX_TEST_DATA_DIR) + "/../..";  // the checkout

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// ------------------------------------------------------------- splits

TEST(Splits, DeclaredSizesDisjointAndTheCommittedFiles) {
  const std::map<std::string, std::map<std::string, size_t>> declared = {
      {"gsm8k", {{"dev", 500}, {"holdout", 1319}, {"calibration", 16}}},
      {"ifeval", {{"dev", 345}, {"holdout", 180}, {"calibration", 16}}}};
  for (const auto& [task, sizes] : declared) {
    const SplitFile f = BuiltinSplitFile(task);
    // The compiled-in text is the committed file, byte for byte.
    const std::string committed = ReadText(fs::path(kSource) / "data/splits" / (task + ".json"));
    EXPECT_EQ(f.sha256, Sha256::Hex(committed)) << task;
    std::set<int64_t> all;
    size_t total = 0;
    for (const auto& [name, n] : sizes) {
      ASSERT_TRUE(f.splits.count(name)) << task << " " << name;
      EXPECT_EQ(f.splits.at(name).size(), n) << task << " " << name;
      for (int64_t id : f.splits.at(name)) {
        EXPECT_GE(id, 0);
        EXPECT_LT(id, f.n_items);
        all.insert(id);
      }
      total += n;
    }
    EXPECT_EQ(all.size(), total) << task << ": splits overlap";
    EXPECT_EQ(f.splits.size(), sizes.size());
  }
  // GSM8K: the holdout is the last 1,319 train items; dev avoids items used before.
  const SplitFile g = BuiltinSplitFile("gsm8k");
  EXPECT_EQ(g.splits.at("holdout").front(), 7473 - 1319);
  EXPECT_EQ(g.splits.at("holdout").back(), 7472);
  for (int64_t id : g.splits.at("dev")) {
    EXPECT_FALSE(id < 200 || (id >= 1000 && id < 1040) || (id % 467 == 0 && id < 16 * 467)) << id;
  }
}

// The calibration prompts come from the calibration splits only (so they
// are disjoint from dev and holdout).
TEST(Splits, CalibrationPromptsAreTheCalibrationSplit) {
  std::map<std::string, std::set<int64_t>> used;
  std::ifstream in(fs::path(kSource) / "profiles/calibration/dev_prompts.jsonl");
  for (std::string line; std::getline(in, line);) {
    const std::string source = json::parse(line)["source"];
    const size_t colon = source.find(".jsonl:");
    if (colon == std::string::npos) continue;  // open-ended
    const std::string task = source.substr(0, source.find('/'));
    used[task].insert(std::stoll(source.substr(colon + 7)) - 1);  // 1-based line -> id
  }
  for (const std::string task : {"gsm8k", "ifeval"}) {
    const SplitFile file = BuiltinSplitFile(task);
    const std::vector<int64_t>& ids = file.splits.at("calibration");
    EXPECT_EQ(used[task], std::set<int64_t>(ids.begin(), ids.end())) << task;
  }
}

TEST(Splits, ParseRefusesOverlapAndRange) {
  EXPECT_NE(ErrorOf([] { ParseSplitFile(R"({"task":"t","source":"s","n_items":5,"splits":{"a":[0,1],"b":[1]}})", "f"); })
                .find("listed twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseSplitFile(R"({"task":"t","source":"s","n_items":5,"splits":{"a":[5]}})", "f"); })
                .find("beyond the 5 items"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseSplitFile(R"({"task":"t","source":"s","n_items":5,"splits":{"a":[-1]}})", "f"); })
                .find("'splits.a[0]'"),
            std::string::npos);
}

class SplitTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kShared + "/data/gsm8k/train.jsonl") || !fs::exists(kShared + "/data/ifeval/input_data.jsonl")) {
      GTEST_SKIP() << "no task data under " << kShared << "/data";
    }
    ::setenv("ENTROPIX_DATA_DIR", (kShared + "/data").c_str(), 1);
  }
  void TearDown() override { ::unsetenv("ENTROPIX_DATA_DIR"); }
};

// Selecting a split yields exactly its items (ids = line numbers), in file
// order; --limit takes the first N of them; the split joins the identity.
TEST_F(SplitTaskTest, SelectsExactlyTheSplitsItems) {
  for (const std::string name : {"gsm8k", "ifeval"}) {
    const SplitFile file = BuiltinSplitFile(name);
    TaskOptions all_opts;
    all_opts.name = name;
    const auto all = MakeTask(all_opts);
    for (const std::string split : {"dev", "holdout", "calibration"}) {
      TaskOptions o = all_opts;
      o.split = split;
      const auto task = MakeTask(o);
      const std::vector<int64_t>& ids = file.splits.at(split);
      ASSERT_EQ(task->items().size(), ids.size()) << name << " " << split;
      for (size_t i = 0; i < ids.size(); ++i) {
        EXPECT_EQ(task->items()[i].id, all->items()[ids[i]].id) << name << " " << split << " " << i;
        EXPECT_EQ(task->items()[i].messages.back().content, all->items()[ids[i]].messages.back().content);
      }
      EXPECT_EQ(task->Identity()["split"], (json{{"name", split}, {"sha256", file.sha256}}));
      // Everything but the items and the identity is the full task's: the
      // metric, the token cap, the score and how a vote reads an answer
      // (a split once dropped the answer rule, and every gsm8k vote on a
      // split became best-of-N).
      EXPECT_EQ(task->metric(), all->metric());
      EXPECT_EQ(task->higher_is_better(), all->higher_is_better());
      EXPECT_EQ(task->default_max_tokens(), all->default_max_tokens());
      for (size_t i = 0; i < 3; ++i) {
        const EvalItem& item = task->items()[i];
        EXPECT_EQ(task->VoteAnswerRule(item), all->VoteAnswerRule(all->items()[ids[i]])) << name << " " << split;
        const std::string reply = "The total is \\boxed{" + item.reference + "}.";
        EXPECT_EQ(task->Score(item, reply).value, all->Score(item, reply).value);
      }
      o.limit = 7;
      const auto first7 = MakeTask(o);
      ASSERT_EQ(first7->items().size(), 7u);
      for (size_t i = 0; i < 7; ++i) EXPECT_EQ(first7->items()[i].id, task->items()[i].id);
    }
    // Without --split the identity is what it always was (old run.json files still match).
    EXPECT_FALSE(all->Identity().contains("split"));
  }
  // A gsm8k split's votes read the scored (strict, marker) answer.
  TaskOptions dev_opts;
  dev_opts.name = "gsm8k";
  dev_opts.split = "dev";
  const auto gsm8k_dev = MakeTask(dev_opts);
  EXPECT_EQ(gsm8k_dev->VoteAnswerRule(gsm8k_dev->items()[0]), (AnswerRule{AnswerRule::Kind::kMath, true, {}}));
  // GSM8K ids are the line numbers themselves.
  TaskOptions o;
  o.name = "gsm8k";
  o.split = "dev";
  o.limit = 3;
  const auto dev = MakeTask(o);
  const SplitFile gsm8k = BuiltinSplitFile("gsm8k");
  const std::vector<int64_t>& ids = gsm8k.splits.at("dev");
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(dev->items()[i].id, std::to_string(ids[i]));
  // Few-shot: the exemplar rows are skipped, the split's items are the same.
  o.shots = 2;
  const auto dev2 = MakeTask(o);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(dev2->items()[i].id, std::to_string(ids[i]));
}

TEST_F(SplitTaskTest, BadSplitRequestsAreErrors) {
  TaskOptions o;
  o.name = "gsm8k";
  o.split = "test";
  EXPECT_NE(ErrorOf([&] { MakeTask(o); }).find("unknown split 'test'"), std::string::npos);
  o.name = "arith";
  o.split = "calibration";  // arith has dev and holdout only
  EXPECT_NE(ErrorOf([&] { MakeTask(o); }).find("unknown split 'calibration' (arith has dev, holdout)"),
            std::string::npos);
  o.split = "dev";
  // Another data file than the one the split was declared on.
  const fs::path other = fs::path(::testing::TempDir()) / "entropix_split_other.jsonl";
  std::ofstream(other) << R"({"question": "1 + 1?", "answer": "#### 2"})" << "\n";
  o.name = "gsm8k";
  o.data = other.string();
  EXPECT_NE(ErrorOf([&] { MakeTask(o); }).find("use the default data with --split"), std::string::npos);
  fs::remove(other);
}

// arith's splits are fixed item seeds (not -s, not seed 0) and sizes; --limit
// takes the first N; the split joins the identity.
TEST(ArithSplits, FixedSeedsAndSizesWhateverTheRunSeed) {
  const auto items_of = [](const std::string& split, int limit, uint64_t seed) {
    TaskOptions o;
    o.name = "arith";
    o.split = split;
    o.limit = limit;
    o.seed = seed;
    return MakeTask(o);
  };
  ASSERT_EQ(ArithSplits().size(), 2u);
  for (const ArithSplit& s : ArithSplits()) {
    const auto task = items_of(s.name, 0, 0);
    ASSERT_EQ(static_cast<int>(task->items().size()), s.items) << s.name;
    EXPECT_NE(s.item_seed, 0u) << s.name;
    EXPECT_EQ(task->Identity()["item_seed"], s.item_seed);
    EXPECT_EQ(task->Identity()["split"], s.name);
    // The run seed does not move the items; --limit takes the first N.
    const auto other = items_of(s.name, 9, 12345);
    ASSERT_EQ(other->items().size(), 9u);
    for (size_t i = 0; i < 9; ++i) {
      EXPECT_EQ(other->items()[i].messages.back().content, task->items()[i].messages.back().content);
    }
    // The items are those of the plain task generated from the split's seed,
    // at the generator index their id names.
    TaskOptions plain;
    plain.name = "arith";
    plain.seed = s.item_seed;
    plain.limit = 2000;
    const auto same = MakeTask(plain);
    for (const EvalItem& item : task->items()) {
      const EvalItem& generated = same->items().at(std::stoul(item.id));
      ASSERT_EQ(generated.messages.back().content, item.messages.back().content) << s.name << " " << item.id;
    }
    EXPECT_FALSE(same->Identity().contains("split"));
  }
  // holdout shares no question with dev: it skips them (73 of its first
  // 1,000 draws at difficulty 1), so its ids have gaps and run past 999.
  std::set<std::string> dev_questions;
  const auto all_dev = items_of("dev", 0, 0);  // a named owner: the loop below reads its items
  for (const EvalItem& item : all_dev->items()) dev_questions.insert(item.messages.back().content);
  const auto all_holdout = items_of("holdout", 0, 0);
  int below_1000 = 0;
  for (const EvalItem& item : all_holdout->items()) {
    EXPECT_EQ(dev_questions.count(item.messages.back().content), 0u) << "holdout item " << item.id;
    below_1000 += std::stoul(item.id) < 1000;
  }
  EXPECT_EQ(below_1000, 1000 - 73);
  EXPECT_EQ(all_holdout->Identity()["disjoint_from"], "dev");
  EXPECT_FALSE(all_dev->Identity().contains("disjoint_from"));
  // dev and holdout are different draws, and neither is the default seed 0.
  const auto dev = items_of("dev", 20, 0), holdout = items_of("holdout", 20, 0);
  TaskOptions seed0;
  seed0.name = "arith";
  seed0.limit = 20;
  const auto old = MakeTask(seed0);
  int same_dev_holdout = 0, same_dev_old = 0;
  for (size_t i = 0; i < 20; ++i) {
    same_dev_holdout += dev->items()[i].messages.back().content == holdout->items()[i].messages.back().content;
    same_dev_old += dev->items()[i].messages.back().content == old->items()[i].messages.back().content;
  }
  EXPECT_LT(same_dev_holdout, 5);
  EXPECT_LT(same_dev_old, 5);
  EXPECT_EQ(items_of("dev", 100000, 0)->items().size(), 500u);  // --limit beyond the split: the split
}

// A frozen vote profile (chosen on dev, run once on holdout) never changes:
// its bytes hash to the sha256 docs/EVALUATION.md records for the holdout
// run, and it parses.
TEST(FrozenVoteProfiles, AreTheRecordedBytes) {
  const struct {
    const char* file;
    const char* sha256;
  } frozen[] = {
      {"profiles/vote/smollm2-arith.json", "975e89dfe348ea2b8058036fb768b8a75f351c8f2531cb9ecfeeda0063d61077"},
      // declared before its IFEval dev run (EVALUATION.md)
      {"profiles/vote/ifeval-escape.json", "a75b8fcfaa9ef877fdc56673b947505d6dddf8720d18dc10eee80357824992d7"},
      // chosen on the Qwen GSM8K dev pool, before any holdout result was read
      {"profiles/vote/qwen2.5-coder-1.5b-gsm8k.json",
       "d49a7a058c8404793b15bec5456f9a003b93c3ce1ea6c42b53c81f0a156730f4"},
  };
  for (const auto& f : frozen) {
    const std::string text = ReadText(fs::path(kSource) / f.file);
    EXPECT_EQ(Sha256::Hex(text), f.sha256) << f.file << " was edited after it was frozen";
    EXPECT_NO_THROW(ParseVoteProfile(text, f.file));
  }
}

// ------------------------------------------------------------- sampler specs

fs::path WriteProfile(const std::string& name, double t, int k, double p, double m) {
  Profile prof = BuiltinProfile("entropix-g2");
  prof.name = name;
  prof.base = {t, k, p, m};
  const fs::path path = fs::path(::testing::TempDir()) / (name + ".json");
  std::ofstream(path) << ProfileToJson(prof);
  return path;
}

TEST(SamplerSpec, MatchedControlsTakeTheProfilesBase) {
  const fs::path prof = WriteProfile("spec_test_profile", 0.7, 31, 0.85, 0.02);
  const SamplerSpec sample = ParseSamplerSpec("sample@" + prof.string(), "entropix-g2");
  EXPECT_EQ(sample.config.kind, PolicyKind::kSample);
  EXPECT_EQ(sample.config.sample.temperature, 0.7);
  EXPECT_EQ(sample.config.sample.top_k, 31);
  EXPECT_EQ(sample.config.sample.top_p, 0.85);
  EXPECT_EQ(sample.config.sample.min_p, 0.02);
  EXPECT_EQ(sample.label, "sample@" + prof.string());
  const SamplerSpec low = ParseSamplerSpec("lowT@" + prof.string(), "entropix-g2");
  EXPECT_EQ(low.config.kind, PolicyKind::kSample);
  EXPECT_EQ(low.config.sample.temperature, kLowTemperature);
  EXPECT_EQ(low.config.sample.top_k, 31);
  EXPECT_EQ(low.config.sample.top_p, 0.85);
  EXPECT_EQ(low.config.sample.min_p, 0.02);
  // "entropix" and a bare lowT / sample@entropix mean the default profile.
  const SamplerSpec dflt = ParseSamplerSpec("lowT", prof.string());
  EXPECT_EQ(dflt.config.sample.top_k, 31);
  EXPECT_EQ(ParseSamplerSpec("sample@entropix", prof.string()).config.sample.temperature, 0.7);
  EXPECT_EQ(ParseSamplerSpec("entropix", prof.string()).config.profile.name, "spec_test_profile");
  EXPECT_EQ(ParseSamplerSpec("entropix@entropix-branch", prof.string()).config.profile.name, "entropix-branch");
  // Plain sample keeps llama-cli's defaults; greedy is greedy.
  const SamplerSpec plain = ParseSamplerSpec("sample", prof.string());
  EXPECT_EQ(plain.config.sample.temperature, 0.8);
  EXPECT_EQ(plain.config.sample.top_k, 40);
  EXPECT_EQ(ParseSamplerSpec("greedy", "x").config.kind, PolicyKind::kGreedy);
  // A profile name or file alone is entropix with it (as before).
  EXPECT_EQ(ParseSamplerSpec(prof.string(), "entropix-g2").config.kind, PolicyKind::kEntropix);
  fs::remove(prof);
}

TEST(SamplerSpec, LabelsAndErrors) {
  const SamplerSpec s = ParseSamplerSpec("cool2=entropix@entropix-g2", "entropix-g2");
  EXPECT_EQ(s.label, "cool2");
  EXPECT_EQ(s.spec, "entropix@entropix-g2");
  EXPECT_NE(ErrorOf([] { ParseSamplerSpec("greedy@entropix-g2", "entropix-g2"); }).find("unknown sampler"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseSamplerSpec("sample@", "entropix-g2"); }).find("name a profile after '@'"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseSamplerSpec("a|b=greedy", "entropix-g2"); }).find("label"), std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseSamplerSpec("=greedy", "entropix-g2"); }).find("label"), std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseSamplerSpec("sample@no-such-profile", "entropix-g2"); }).find("no-such-profile"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseSamplerList("greedy,x=greedy,x=sample", "entropix-g2"); }).find("'x' is given twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseSamplerList(",,", "entropix-g2"); }).find("at least one"), std::string::npos);
  const auto list = ParseSamplerList("greedy,sample@entropix,lowT", "entropix-g2");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[1].config.sample.temperature, 0.666);
  EXPECT_EQ(list[2].config.sample.temperature, 0.5);
}

// A vote spec is identified by its vote profile, never by the greedy
// PolicyConfig it carries (a vote must not pass for greedy records).
TEST(SamplerIdentity, VoteHashFollowsTheVoteProfile) {
  const SamplerSpec greedy = ParseSamplerSpec("greedy", "entropix-g2");
  const SamplerSpec vote = ParseSamplerSpec("vote", "entropix-g2");
  const SamplerSpec cot = ParseSamplerSpec("vote@vote-cot", "entropix-g2");
  ASSERT_TRUE(vote.vote.has_value());
  EXPECT_NE(SamplerParamsSha256(vote), SamplerParamsSha256(greedy));
  EXPECT_NE(SamplerParamsSha256(vote), SamplerParamsSha256(cot));
  EXPECT_EQ(SamplerParamsSha256(greedy), SamplerParamsSha256(greedy.config));
  SamplerSpec renamed = vote;
  renamed.vote->name = "renamed";
  EXPECT_EQ(SamplerParamsSha256(vote), SamplerParamsSha256(renamed));
  EXPECT_EQ(SamplerParamsJson(vote)["policy"], "vote");
}

TEST(SamplerIdentity, HashFollowsDecodingParametersOnly) {
  PolicyConfig a = ParseSamplerSpec("entropix-g2", "entropix-g2").config;
  PolicyConfig b = a;
  b.profile.name = "renamed";
  b.profile.description = "other words";
  EXPECT_EQ(SamplerParamsSha256(a), SamplerParamsSha256(b));
  b.profile.thresholds.high_entropy += 0.5;
  EXPECT_NE(SamplerParamsSha256(a), SamplerParamsSha256(b));
  const PolicyConfig s1 = ParseSamplerSpec("sample", "entropix-g2").config;
  const PolicyConfig s2 = ParseSamplerSpec("sample@entropix-g2", "entropix-g2").config;
  EXPECT_NE(SamplerParamsSha256(s1), SamplerParamsSha256(s2));
  EXPECT_EQ(SamplerParamsSha256(s1).size(), 64u);
  EXPECT_EQ(SamplerParamsJson(s1).dump(),
            R"({"params":{"min_p":0.05,"temperature":0.8,"top_k":40,"top_p":0.95},"policy":"sample"})");
}

// ------------------------------------------------------------- statistics

// Holm on a hand-computed family: p = (0.01, 0.04, 0.03, 0.005), m = 4.
// Sorted: 0.005 * 4 = 0.02; 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; 0.04 * 1 = 0.04,
// raised to 0.06 by the step-down maximum.
TEST(Holm, HandComputedFamily) {
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  const std::vector<double> h = HolmAdjust(p);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_NEAR(h[0], 0.03, 1e-12);
  EXPECT_NEAR(h[1], 0.06, 1e-12);
  EXPECT_NEAR(h[2], 0.06, 1e-12);
  EXPECT_NEAR(h[3], 0.02, 1e-12);
  // Capped at 1, and a single p is unchanged.
  EXPECT_EQ(HolmAdjust(std::vector<double>{0.4, 0.6}), (std::vector<double>{0.8, 0.8}));
  EXPECT_EQ(HolmAdjust(std::vector<double>{0.7, 0.9, 0.8}), (std::vector<double>{1.0, 1.0, 1.0}));
  EXPECT_EQ(HolmAdjust(std::vector<double>{0.2}), (std::vector<double>{0.2}));
  EXPECT_TRUE(HolmAdjust(std::vector<double>{}).empty());
}

TEST(Summary, PBelowTheBootstrapResolutionIsPrintedAsABound) {
  EXPECT_EQ(FormatP(0.0, 1.0 / 2000), "< 0.0005");
  EXPECT_EQ(FormatP(0.0004, 0.0005), "< 0.0005");
  EXPECT_EQ(FormatP(0.0424, 1.0 / 2000), "0.042");
  EXPECT_EQ(FormatP(1.0, 1.0 / 2000), "1.000");
}

TEST(Summary, MajorityVoteOverExtractedAnswers) {
  // 2 votes for "7" (right), 1 for "5": majority right, though draw 0 is wrong.
  EXPECT_EQ(MajorityScore(std::vector<DrawOutcome>{{"5", 0}, {"7", 1}, {"7", 1}}), 1.0);
  // A tie goes to the answer drawn first; empty answers do not vote.
  EXPECT_EQ(MajorityScore(std::vector<DrawOutcome>{{"", 1}, {"5", 0}, {"7", 1}}), 0.0);
  EXPECT_EQ(MajorityScore(std::vector<DrawOutcome>{{"", 0}, {"", 0}}), 0.0);
  EvalRecord r;
  r.extracted = "12";
  EXPECT_EQ(VotingAnswer(r), "12");
  r.details = {{"answer", "13"}};
  EXPECT_EQ(VotingAnswer(r), "13");
}

// A task with fixed items for summaries of constructed records.
class FixedTask : public Task {
 public:
  explicit FixedTask(int n) {
    for (int i = 0; i < n; ++i) items_.push_back({std::to_string(i), {{"user", "q"}}, "", json::object()});
  }
  std::string name() const override { return "fixed"; }
  const std::vector<EvalItem>& items() const override { return items_; }
  ItemScore Score(const EvalItem&, std::string_view) const override { return {}; }
  AnswerRule VoteAnswerRule(const EvalItem&) const override { return {AnswerRule::Kind::kNone, false, {}}; }
  json Identity() const override { return {{"task", "fixed"}}; }

 private:
  std::vector<EvalItem> items_;
};

EvalRecord Rec(const std::string& sampler, int item, int draw, double correct, const std::string& answer,
               std::optional<int64_t> forward, const std::string& stop = "end of generation") {
  EvalRecord r;
  r.sampler = sampler;
  r.item = std::to_string(item);
  r.index = item;
  r.draw = draw;
  r.correct = correct;
  r.extracted = answer;
  r.forward_tokens = forward;
  r.stop = stop;
  r.decode_seconds = 1;
  return r;
}

// greedy (1 draw) and "s" (3 draws) on 4 items:
//   item  greedy      s draws (answer, correct)       mean  pass  maj
//   0     1           (7,1) (5,0) (7,1)                2/3   1     1
//   1     0           (3,0) (3,0) (4,1)                1/3   1     0
//   2     0           (8,0) (9,1) (9,1)                2/3   1     1
//   3     1           (1,0) (2,0) ("",0)               0     0     0
// s: accuracy = (2/3 + 1/3 + 2/3 + 0) / 4 = 5/12; pass@3 = 3/4; maj@3 = 2/4.
TEST(Summary, DrawsGiveItemMeansPassAndMajority) {
  const FixedTask task(4);
  std::vector<EvalRecord> recs = {
      Rec("greedy", 0, 0, 1, "7", 100, "token limit"), Rec("greedy", 1, 0, 0, "2", 100), Rec("greedy", 2, 0, 0, "1", 100),
      Rec("greedy", 3, 0, 1, "1", 100),
      Rec("s", 0, 0, 1, "7", 100), Rec("s", 0, 1, 0, "5", 110), Rec("s", 0, 2, 1, "7", 120),
      Rec("s", 1, 0, 0, "3", 200), Rec("s", 1, 1, 0, "3", 200), Rec("s", 1, 2, 1, "4", 200, "token limit"),
      Rec("s", 2, 0, 0, "8", 300), Rec("s", 2, 1, 1, "9", 300), Rec("s", 2, 2, 1, "9", 300),
      Rec("s", 3, 0, 0, "1", 400), Rec("s", 3, 1, 0, "2", 400), Rec("s", 3, 2, 0, "", 400),
      // A fourth draw from an earlier run with --draws 4: left out.
      Rec("s", 0, 3, 0, "5", 999)};
  const std::vector<SummarySampler> samplers = {{"greedy", 1}, {"s", 3}};
  const json sum = Summarize(task, samplers, recs, 500, 1);
  EXPECT_EQ(sum["n_items"], 4);
  const json& s = sum["samplers"][1];
  EXPECT_NEAR(s["metric"]["estimate"].get<double>(), 5.0 / 12, 1e-12);
  EXPECT_NEAR(s["pass_at_draws"].get<double>(), 0.75, 1e-12);
  EXPECT_NEAR(s["majority_at_draws"].get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(s["cap_hit_rate"].get<double>(), 1.0 / 12, 1e-12);
  EXPECT_NEAR(sum["samplers"][0]["cap_hit_rate"].get<double>(), 0.25, 1e-12);
  // Per-item compute: 110, 200, 300, 400 -> mean 252.5, p90 (type 7) = 300 + 0.7 * 100.
  EXPECT_NEAR(s["forward_tokens_per_item"]["mean"].get<double>(), 252.5, 1e-9);
  EXPECT_NEAR(s["forward_tokens_per_item"]["p90"].get<double>(), 370.0, 1e-9);
  // Paired on item means: s − greedy = (−1/3 + 1/3 + 2/3 − 1) / 4 = −1/12; no McNemar with 3 draws.
  EXPECT_NEAR(s["vs_greedy"]["difference"].get<double>(), -1.0 / 12, 1e-12);
  EXPECT_TRUE(s["vs_greedy"]["mcnemar_p"].is_null());
  EXPECT_FALSE(s["vs_greedy"]["bootstrap_p_holm"].is_null());
  EXPECT_FALSE(sum["samplers"][0].contains("pass_at_draws"));
  const std::string md = SummaryMarkdown(sum);
  EXPECT_NE(md.find("pass@M"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.750 | 0.500 |"), std::string::npos) << md;
  EXPECT_NE(md.find("draws per item: greedy 1, s 3"), std::string::npos) << md;
  // A missing draw takes the item out of the comparison (paired items only).
  recs.erase(recs.begin() + 4);
  const json fewer = Summarize(task, samplers, recs, 500, 1);
  EXPECT_EQ(fewer["n_items"], 3);
}

// Holm over every comparison of the summary, next to the raw p; compute
// unknown for old records.
TEST(Summary, HolmColumnAndUnknownCompute) {
  const FixedTask task(40);
  std::vector<EvalRecord> recs;
  for (int i = 0; i < 40; ++i) {
    recs.push_back(Rec("greedy", i, 0, i % 2, "", std::nullopt));
    recs.push_back(Rec("a", i, 0, 1, "", std::nullopt));  // right everywhere: far from greedy
    recs.push_back(Rec("b", i, 0, i % 2, "", std::nullopt));
  }
  const std::vector<SummarySampler> samplers = {{"greedy", 1}, {"a", 1}, {"b", 1}};
  const json sum = Summarize(task, samplers, recs, 2000, 3);
  EXPECT_EQ(sum["holm_family_size"], 3);
  const json& a = sum["samplers"][1]["vs_greedy"];
  EXPECT_EQ(a["bootstrap_p"].get<double>(), 0.0);
  EXPECT_TRUE(a["bootstrap_p_holm_bound"].get<bool>());
  EXPECT_NEAR(a["mcnemar_p"].get<double>(), McNemarExactP(20, 0), 1e-15);
  // McNemar family: a−greedy (tiny), b−greedy (1), b−a (tiny): the smallest is tripled.
  EXPECT_NEAR(a["mcnemar_p_holm"].get<double>(), std::min(1.0, 3 * McNemarExactP(20, 0)), 1e-15);
  EXPECT_TRUE(sum["samplers"][1]["forward_tokens_per_item"].is_null());
  const std::string md = SummaryMarkdown(sum);
  EXPECT_NE(md.find("< 0.0005 | ≤ 0.002"), std::string::npos) << md;
  EXPECT_NE(md.find("unknown"), std::string::npos) << md;
  EXPECT_NE(md.find("Holm-adjusted p over 3 comparisons"), std::string::npos) << md;
}

TEST(Summary, ChartsAreNamedForWhatTheyPlot) {
  const fs::path dir = fs::path(::testing::TempDir()) / "entropix_summary_charts";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const FixedTask task(3);
  std::vector<EvalRecord> recs;
  for (int i = 0; i < 3; ++i) {
    recs.push_back(Rec("greedy", i, 0, i == 0, "", 50 + i));
    recs.push_back(Rec("sample", i, 0, i < 2, "", 60 + i));
  }
  const std::vector<SummarySampler> samplers = {{"greedy", 1}, {"sample", 1}};
  const Summary s = WriteSummaryFiles(dir.string(), task, samplers, recs, 200, 1);
  EXPECT_EQ(s.markdown, ReadText(dir / "summary.md"));
  const std::string diff = ReadText(dir / "accuracy_difference_vs_greedy.svg");
  EXPECT_NE(diff.find("each sampler minus greedy"), std::string::npos);
  EXPECT_NE(diff.find("stroke-width=\"1.5\""), std::string::npos);  // the zero line
  const std::string compute = ReadText(dir / "accuracy_vs_compute.svg");
  EXPECT_NE(compute.find("forward token-steps per item"), std::string::npos);
  EXPECT_NE(ReadText(dir / "accuracy.svg").find("higher is better"), std::string::npos);
  fs::remove_all(dir);
}

// The compute scatter marks points by number and names them in a legend:
// marks of points on top of each other move apart (none overlaps another),
// and every label is written in full once, however long.
TEST(Charts, ScatterMarksCrowdedPointsApart) {
  const std::string long_label(90, 'x');
  const std::vector<ChartPoint> points = {
      {"greedy", 400, 0.66, 0.62, 0.70}, {"a", 1270, 0.734, 0.70, 0.77}, {"b", 1270, 0.734, 0.70, 0.77},
      {"c", 1280, 0.73, 0.70, 0.77}, {long_label, 1290, 0.70, 0.66, 0.74}};
  const std::string svg = ScatterChartSvg("t", points, "x", "y");
  std::vector<std::pair<double, double>> marks;  // (x, baseline) of each number mark
  for (int n = 1; n <= 5; ++n) {
    const std::string tail = "\">" + std::to_string(n) + "</text>";
    const size_t end = svg.find(tail);
    ASSERT_NE(end, std::string::npos) << "no mark " << n;
    const size_t x = svg.rfind("<text x=\"", end) + 9;
    const size_t y = svg.find("y=\"", x) + 3;
    marks.push_back({std::stod(svg.substr(x)), std::stod(svg.substr(y))});
  }
  // Marks are one character (7 px) wide and 12 px tall: two that share
  // columns must be a line apart (points 2 and 3 coincide, 4 and 5 are
  // within 4 px of them).
  for (size_t i = 0; i < marks.size(); ++i) {
    for (size_t j = i + 1; j < marks.size(); ++j) {
      if (std::fabs(marks[i].first - marks[j].first) < 7) {
        EXPECT_GE(std::fabs(marks[i].second - marks[j].second), 12.0) << "marks " << i + 1 << " and " << j + 1;
      }
    }
  }
  EXPECT_NE(svg.find(">2  a 0.734</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">5  " + long_label + " 0.700</text>"), std::string::npos);
  const double width = std::stod(svg.substr(svg.find("width=\"") + 7));
  EXPECT_GT(width, 60 + 480 + 24 + 95 * 7);  // the longest legend line fits
}

// Records are keyed by (sampler, item, draw): draws of one item coexist, a
// repeated draw is damage.
TEST(Checkpoint, DrawsAreSeparateRecords) {
  const fs::path path = fs::path(::testing::TempDir()) / "entropix_draws.jsonl";
  const EvalRecord a = Rec("s", 0, 0, 1, "7", 10), b = Rec("s", 0, 1, 0, "5", 10);
  std::ofstream(path, std::ios::trunc) << a.ToLine() << b.ToLine();
  EXPECT_EQ(ReadCheckpoint(path, nullptr).records.size(), 2u);
  std::ofstream(path, std::ios::app) << b.ToLine();
  EXPECT_NE(ErrorOf([&] { ReadCheckpoint(path, nullptr); }).find("a second record for sampler 's', item '0' and draw 1"),
            std::string::npos);
  // Draw 0 is written without the field, so one-draw checkpoints keep their lines.
  EXPECT_EQ(a.ToJson().count("draw"), 0u);
  EXPECT_EQ(EvalRecord::FromJson(b.ToLine(), "f", 1), b);
  fs::remove(path);
}

TEST(Runner, ForwardTokenStepsCountPromptDecodeBranchesAndPauses) {
  GenerationResult r;
  r.prompt_tokens = 20;
  r.forward_passes = 30;  // includes 2 pause insertions (one Forward each) and branch rollouts
  r.pauses_inserted = 2;
  EXPECT_EQ(ForwardTokenSteps(r, 1), 50);
  EXPECT_EQ(ForwardTokenSteps(r, 3), 54);  // each pause fed 3 tokens in its one pass
  EXPECT_EQ(ForwardTokenSteps(r, 0), 50);
}

TEST(Runner, DrawSeedsAreDistinctAndDrawZeroIsTheItemSeed) {
  const uint64_t item = ItemSeed(5, "12");
  EXPECT_EQ(DrawSeed(item, 0), item);
  std::set<uint64_t> seeds;
  for (int d = 0; d < 50; ++d) seeds.insert(DrawSeed(item, d));
  EXPECT_EQ(seeds.size(), 50u);
}

// ------------------------------------------------------------- runner on stories260K

const std::string kModel = kShared + "/models/stories260K.gguf";

class RunnerV2 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kModel)) GTEST_SKIP() << "no " << kModel;
    model_ = Model::Load(kModel);
    tokenizer_ = Tokenizer::FromGguf(model_->file());
    dir_ = fs::path(::testing::TempDir()) /
           ("entropix_v2_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    TaskOptions to;
    to.name = "arith";
    to.limit = 2;
    to.seed = 3;
    task_ = MakeTask(to);
  }
  void TearDown() override { fs::remove_all(dir_); }
  EvalOptions Options(int draws = 1) const {
    EvalOptions eo;
    eo.out_dir = dir_.string();
    eo.seed = 5;
    eo.max_tokens = 6;
    eo.threads = 1;
    eo.context = 256;
    eo.progress = false;
    eo.resamples = 100;
    eo.draws = draws;
    return eo;
  }
  EvalRunStats Run(const std::string& samplers, int draws = 1) {
    return RunEvaluation(*model_, *tokenizer_, "stories260K", *task_, ParseSamplers(samplers, *model_),
                         Options(draws));
  }
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Task> task_;
  fs::path dir_;
};

TEST_F(RunnerV2, DrawsComputeAndIdentityInEveryRecord) {
  const EvalRunStats first = Run("greedy,sample", 2);
  EXPECT_EQ(first.evaluated, 2 * (1 + 2));  // greedy draws once
  auto records = ReadResults(dir_.string());
  ASSERT_EQ(records.size(), 6u);
  std::set<uint64_t> sample_seeds;
  const std::string greedy_sha = SamplerParamsSha256(ParseSamplerSpec("greedy", "entropix-g2").config);
  for (const auto& r : records) {
    ASSERT_TRUE(r.forward_tokens.has_value());
    // Greedy and sample feed every emitted token but the last one at the cap.
    EXPECT_EQ(*r.forward_tokens, r.prompt_tokens + r.tokens - (r.stop == "token limit" ? 1 : 0)) << r.ToLine();
    ASSERT_TRUE(r.sampler_sha256.has_value());
    ASSERT_TRUE(r.engine.has_value());
    EXPECT_EQ(r.engine->rfind("0.1.0", 0), 0u) << *r.engine;
    if (r.sampler == "greedy") {
      EXPECT_EQ(r.draw, 0);
      EXPECT_EQ(*r.sampler_sha256, greedy_sha);
    } else {
      sample_seeds.insert(r.seed);
    }
  }
  EXPECT_EQ(sample_seeds.size(), 4u);  // 2 items x 2 draws, all distinct
  // More draws on a rerun: only the missing ones run.
  const EvalRunStats second = Run("greedy,sample", 3);
  EXPECT_EQ(second.resumed, 6);
  EXPECT_EQ(second.evaluated, 2);
  EXPECT_EQ(second.summary.json["samplers"][1]["draws"], 3);
  EXPECT_TRUE(second.summary.json["samplers"][1].contains("pass_at_draws"));
  EXPECT_EQ(second.summary.markdown, ReadText(dir_ / "summary.md"));
}

TEST_F(RunnerV2, ARerunWithOtherParametersUnderALabelIsRefused) {
  Run("greedy,x=entropix@entropix-g2");
  const std::string msg = ErrorOf([&] { Run("greedy,x=entropix@entropix-branch"); });
  EXPECT_NE(msg.find("sampler 'x'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("branch.enabled: false -> true"), std::string::npos) << msg;  // what differs
  EXPECT_NE(msg.find("another -o folder"), std::string::npos) << msg;
  EXPECT_NE(msg.find("x-v2=entropix@entropix-branch"), std::string::npos) << msg;
  // Nothing was generated or recorded by the refused run.
  EXPECT_EQ(ReadResults(dir_.string()).size(), 4u);
  // The same parameters, or the new ones under a new label, are fine.
  EXPECT_EQ(Run("greedy,x=entropix@entropix-g2").evaluated, 0);
  EXPECT_EQ(Run("greedy,x=entropix@entropix-g2,y=entropix@entropix-branch").evaluated, 2);
  // Without samplers.json the records' own hashes still catch it.
  fs::remove(dir_ / "samplers.json");
  EXPECT_NE(ErrorOf([&] { Run("greedy,x=sample"); }).find("sampler 'x'"), std::string::npos);
}

// --rescore without --samplers: the summary covers every label and draw the
// folder holds, greedy first, so no flag of the original run is needed.
TEST_F(RunnerV2, RescoreWithoutSamplersSummarisesWhatTheFolderHolds) {
  Run("sample,greedy", 2);
  const RescoreStats all = RescoreEvaluation("stories260K", *task_, {}, Options(0));
  const auto& s = all.summary.json["samplers"];
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0]["sampler"], "greedy");
  EXPECT_EQ(s[0]["draws"], 1);
  EXPECT_EQ(s[1]["sampler"], "sample");
  EXPECT_EQ(s[1]["draws"], 2);
  EXPECT_EQ(all.rescored, 2 * (1 + 2));
  // --draws alone caps what is summarised.
  const RescoreStats one = RescoreEvaluation("stories260K", *task_, {}, Options(1));
  EXPECT_EQ(one.summary.json["samplers"][1]["draws"], 1);
}

// Records from before draws, compute and identity were recorded: read as
// unknown; rescoring and resuming still work.
TEST_F(RunnerV2, OldRecordsWithoutTheNewFieldsStillRescoreAndResume) {
  Run("greedy,sample");
  std::vector<EvalRecord> records = ReadResults(dir_.string());
  for (auto& r : records) {
    r.forward_tokens.reset();
    r.sampler_sha256.reset();
    r.engine.reset();
  }
  std::ofstream(dir_ / "results.jsonl", std::ios::trunc) << CheckpointText(records);
  fs::remove(dir_ / "samplers.json");
  const RescoreStats rs = RescoreEvaluation("stories260K", *task_, ParseSamplers("greedy,sample", *model_), Options());
  EXPECT_EQ(rs.rescored, 4);
  EXPECT_EQ(rs.changed, 0);
  EXPECT_TRUE(rs.summary.json["samplers"][0]["forward_tokens_per_item"].is_null());
  EXPECT_NE(rs.summary.markdown.find("engine unknown"), std::string::npos) << rs.summary.markdown;
  EXPECT_EQ(ReadText(dir_ / "results.jsonl").find("forward_tokens"), std::string::npos);
  EXPECT_EQ(Run("greedy,sample").evaluated, 0);
}

}  // namespace
}  // namespace entropix
