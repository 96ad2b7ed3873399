// The evaluation harness: answer extraction, IFEval checkers (a positive and
// a negative case each), statistics against hand-computed values, and the
// runner's resumability and reproducibility on stories260K.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "core/error.h"
#include "eval/answer_extract.h"
#include "eval/ifeval_checkers.h"
#include "eval/math_tasks.h"
#include "eval/runner.h"
#include "eval/statistics.h"
#include "eval/text_tasks.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace entropix {
namespace {

using json = nlohmann::json;

TEST(Extract, NumbersAndMarkers) {
  EXPECT_EQ(ExtractFinalNumber("so 3 + 4 = 7").value(), "7");
  EXPECT_EQ(ExtractFinalNumber("She earned $1,234.50 in total.").value(), "1234.5");
  EXPECT_EQ(ExtractFinalNumber("The answer is -5. Check: 10 - 15 = -5").value(), "-5");
  EXPECT_EQ(ExtractFinalNumber("#### 72").value(), "72");
  // A marker beats later numbers; only the box's contents count; the last marker wins
  // (gsm8k_protocol_test.cc has the full protocol).
  EXPECT_EQ(ExtractFinalNumber("So the answer is \\( \\boxed{42} \\) pages, read in 2 days.").value(), "42");
  EXPECT_EQ(ExtractFinalNumber("The answer is 5.\n\\[\n\\boxed{\\$1,200}\n\\]\nOver 3 years.").value(), "1200");
  EXPECT_EQ(ExtractFinalNumber("\\boxed{\\text{18 dollars}} for 2 cups").value(), "18");
  EXPECT_EQ(ExtractFinalNumber("\\boxed{} so it is 7").value(), "7");  // empty box: fall through
  EXPECT_EQ(ExtractFinalNumber("#### 9 and \\boxed{8}").value(), "8");
  EXPECT_EQ(ExtractFinalNumber("The answer is 18, since 9 * 2 = 18 and 3 more is 21").value(), "18");
  EXPECT_EQ(ExtractFinalNumber("it costs 0.50 dollars").value(), "0.5");
  EXPECT_EQ(ExtractFinalNumber("He has 3.").value(), "3");
  EXPECT_EQ(ExtractFinalNumber("x2 apples, total 10,000").value(), "10000");
  EXPECT_FALSE(ExtractFinalNumber("no numbers here").has_value());
  EXPECT_EQ(NormalizeNumber("007").value(), "7");
  EXPECT_EQ(NormalizeNumber("-0.0").value(), "0");
  EXPECT_FALSE(NormalizeNumber("abc").has_value());
}

TEST(Extract, Gsm8kReferenceAndAnnotations) {
  const std::string a = "Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72";
  EXPECT_EQ(Gsm8kReferenceNumber(a), "72");
  EXPECT_EQ(StripCalculatorAnnotations(a), "Natalia sold 48/2 = 24 clips.\n#### 72");
  EXPECT_THROW(Gsm8kReferenceNumber("no marker"), Error);
}

TEST(Extract, ComparisonCandidate) {
  EXPECT_EQ(FirstCandidateMentioned("9.9 is larger than 9.11", "9.9", "9.11").value(), "9.9");
  EXPECT_EQ(FirstCandidateMentioned("The larger one is 9.11.", "9.9", "9.11").value(), "9.11");
  EXPECT_FALSE(FirstCandidateMentioned("I do not know", "9.9", "9.11").has_value());
}

// A vote reads an item's answers the way the task scores them: the key of
// the task's answer rule is the number Score extracted, for every item kind.
TEST(Extract, VoteAnswerRuleIsTheScoredReading) {
  TaskOptions to;
  to.name = "arith";
  to.limit = 40;
  const auto arith = MakeTask(to);
  int comparisons = 0;
  for (const EvalItem& item : arith->items()) {
    comparisons += item.data.value("kind", "") == "comparison";
    const std::string other = item.data.value("kind", "") == "comparison"
                                  ? item.data["candidates"][1].get<std::string>() : "12345";
    for (const std::string& r : {item.reference + " is it, not " + other + ". The answer is " + other + ".",
                                 "The answer is " + other + "; " + item.reference, std::string("no idea")}) {
      const ItemScore s = arith->Score(item, r);
      const auto a = RuleAnswerHook(arith->VoteAnswerRule(item))(r);
      EXPECT_EQ(a ? a->key : "", s.extracted) << "arith item " << item.id << ": " << r;
    }
  }
  EXPECT_GT(comparisons, 0);
  to.name = "gsm8k";
  to.data = std::string(ENTROPIX_SHARED_DIR) + "/data/gsm8k/train.jsonl";
  to.limit = 1;
  if (!std::filesystem::exists(to.data)) GTEST_SKIP() << "no " << to.data;
  const auto gsm8k = MakeTask(to);
  const EvalItem& item = gsm8k->items()[0];
  for (const std::string& r : {std::string("So 5 + 7 = 12 in all."), std::string("\\boxed{72} then 3")}) {
    const ItemScore s = gsm8k->Score(item, r);
    const auto a = RuleAnswerHook(gsm8k->VoteAnswerRule(item))(r);
    EXPECT_EQ(a ? a->key : "", s.extracted) << r;  // strict: no marker, no answer
  }
}

// A loops run's system message is part of its identity (a rerun with
// another one is refused); without one the identity is the one loops
// folders had before the message existed.
TEST(Loops, SystemMessageIsPartOfTheIdentity) {
  TaskOptions to;
  to.name = "loops";
  const json with = MakeTask(to)->Identity();
  to.system_prompt = "Be brief.";
  const json other = MakeTask(to)->Identity();
  to.system_prompt = "";
  const json none = MakeTask(to)->Identity();
  EXPECT_NE(with, other);
  EXPECT_NE(with, none);
  EXPECT_EQ(none, json({{"task", "loops"}, {"data", ""}}));
}

// ------------------------------------------------------------- IFEval

void ExpectCheck(const char* id, const json& kw, const std::string& yes, const std::string& no) {
  EXPECT_EQ(CheckStrict(id, kw, yes), CheckResult::kFollowed) << id << " should pass: " << yes;
  EXPECT_EQ(CheckStrict(id, kw, no), CheckResult::kNotFollowed) << id << " should fail: " << no;
}

TEST(Ifeval, Keywords) {
  ExpectCheck("keywords:existence", {{"keywords", {"apple", "pear"}}}, "An Apple and a pear.", "An apple only.");
  ExpectCheck("keywords:frequency", {{"keyword", "cat"}, {"frequency", 2}, {"relation", "at least"}},
              "cat and CAT", "one cat");
  ExpectCheck("keywords:frequency", {{"keyword", "cat"}, {"frequency", 2}, {"relation", "less than"}},
              "one cat", "cat cat");
  ExpectCheck("keywords:forbidden_words", {{"forbidden_words", {"bad"}}}, "a badge is fine", "this is Bad.");
  ExpectCheck("keywords:letter_frequency", {{"letter", "z"}, {"let_frequency", 2}, {"let_relation", "at least"}},
              "Zigzag", "zebra");
}

TEST(Ifeval, Length) {
  ExpectCheck("length_constraints:number_words", {{"num_words", 3}, {"relation", "less than"}}, "two words",
              "one two three");
  ExpectCheck("length_constraints:number_sentences", {{"num_sentences", 2}, {"relation", "at least"}},
              "Mr. Smith came. He left!", "Dr. Who is one sentence.");
  EXPECT_EQ(CountSentences("One. Two? Three"), 3);
  ExpectCheck("length_constraints:number_paragraphs", {{"num_paragraphs", 2}}, "first\n***\nsecond",
              "first\n***\n\n***\nsecond");
  ExpectCheck("length_constraints:nth_paragraph_first_word",
              {{"num_paragraphs", 2}, {"nth_paragraph", 2}, {"first_word", "summer"}},
              "Spring is nice.\n\n\"Summer, hot.", "Spring is nice.\n\nWinter.");
}

TEST(Ifeval, ContentAndFormat) {
  ExpectCheck("detectable_content:number_placeholders", {{"num_placeholders", 2}}, "[name] at [address]", "[name]");
  ExpectCheck("detectable_content:postscript", {{"postscript_marker", "P.S."}}, "Hi.\n\nP.S. bye", "Hi. PS bye");
  ExpectCheck("detectable_content:postscript", {{"postscript_marker", "P.P.S"}}, "Hi.\nP.P.S more", "Hi.\nP.S. more");
  ExpectCheck("detectable_format:number_bullet_lists", {{"num_bullets", 2}}, "* a\n- b\ntext", "* a\n**b** c\n");
  ExpectCheck("detectable_format:constrained_response", json::object(), "My answer is yes.", "Yes.");
  ExpectCheck("detectable_format:number_highlighted_sections", {{"num_highlights", 2}}, "*one* and **two**",
              "*one* and ** **");
  ExpectCheck("detectable_format:multiple_sections", {{"section_spliter", "Section"}, {"num_sections", 2}},
              "Section 1\na\nSection 2\nb", "Section 1\nonly one");
  ExpectCheck("detectable_format:json_format", json::object(), "```json\n{\"a\": 1}\n```", "{a: 1}");
  ExpectCheck("detectable_format:title", json::object(), "<<My Title>>\ntext", "<< >> no title");
}

TEST(Ifeval, CombinationStartEndCasePunctuation) {
  ExpectCheck("combination:two_responses", json::object(), "first\n******\nsecond", "same\n******\nsame");
  ExpectCheck("combination:repeat_prompt", {{"prompt_to_repeat", "Say hi."}}, "say hi. Hi!", "Hi! Say hi.");
  ExpectCheck("startend:end_checker", {{"end_phrase", "Any other questions?"}}, "Done. Any other questions?\"",
              "Any other questions? Done.");
  ExpectCheck("startend:quotation", json::object(), "\"quoted\"", "\"half");
  ExpectCheck("change_case:capital_word_frequency", {{"capital_frequency", 2}, {"capital_relation", "at least"}},
              "THIS is BIG", "only ONE here");
  ExpectCheck("change_case:english_capital", json::object(), "ALL CAPS 1.", "Not all caps");
  ExpectCheck("change_case:english_lowercase", json::object(), "all lower.", "Not lower");
  ExpectCheck("punctuation:no_comma", json::object(), "no comma here", "a, b");
}

TEST(Ifeval, LooseAndSkipped) {
  // The first line breaks the quotation; loose drops it.
  const std::string r = "Sure, here it is:\n\"quoted\"";
  EXPECT_EQ(CheckStrict("startend:quotation", json::object(), r), CheckResult::kNotFollowed);
  EXPECT_EQ(CheckLoose("startend:quotation", json::object(), r), CheckResult::kFollowed);
  // '*' removal: "**<<title>>**" is fine either way; a comma stays a comma.
  EXPECT_EQ(CheckLoose("punctuation:no_comma", json::object(), "a, b"), CheckResult::kNotFollowed);
  EXPECT_EQ(LooseVariants("a\nb\nc").size(), 8u);
  EXPECT_EQ(CheckStrict("no:such_instruction", json::object(), "Hallo"), CheckResult::kSkipped);
  EXPECT_EQ(CheckedInstructionIds().size(), 25u);  // language:response_language too (ifeval_language_test.cc)
  // Null-valued kwargs (as in input_data.jsonl) are ignored.
  EXPECT_EQ(CheckStrict("punctuation:no_comma", {{"unused", nullptr}}, "ok"), CheckResult::kFollowed);
}

// ------------------------------------------------------------- loops

TEST(Loops, TrailingLoopAndDistinctN) {
  std::vector<int32_t> loop = {1, 2, 3, 4};
  for (int i = 0; i < 6; ++i) loop.insert(loop.end(), {7, 8});
  EXPECT_EQ(TrailingLoopPeriod(loop), 2);
  EXPECT_EQ(TrailingLoopPeriod({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}), 0);
  EXPECT_EQ(TrailingLoopPeriod({5, 5, 5}), 0);  // too short to be called a loop
  EXPECT_DOUBLE_EQ(DistinctN({{1, 2, 1, 2}}, 1), 0.5);
  EXPECT_DOUBLE_EQ(DistinctN({{1, 2, 1, 2}}, 2), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(DistinctN({{}}, 3), 0.0);
}

// ------------------------------------------------------------- statistics

TEST(Statistics, McNemarExactHandComputed) {
  // b = 1, c = 6: n = 7, P[X <= 1] = (1 + 7) / 128 = 0.0625, two-sided 0.125.
  EXPECT_NEAR(McNemarExactP(1, 6), 0.125, 1e-12);
  EXPECT_NEAR(McNemarExactP(6, 1), 0.125, 1e-12);
  // b = 0, c = 5: 2 / 32 = 0.0625.
  EXPECT_NEAR(McNemarExactP(0, 5), 0.0625, 1e-12);
  EXPECT_DOUBLE_EQ(McNemarExactP(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(McNemarExactP(3, 3), 1.0);
  // The paired example: a right and b wrong on 1 item, the reverse on 6.
  std::vector<double> a = {1, 0, 0, 0, 0, 0, 0, 1, 1, 0};
  std::vector<double> b = {0, 1, 1, 1, 1, 1, 1, 1, 1, 0};
  const PairedComparison c = ComparePaired(a, b, 2000, 7);
  EXPECT_EQ(c.a_only, 1);
  EXPECT_EQ(c.b_only, 6);
  EXPECT_NEAR(c.mcnemar_p, 0.125, 1e-12);
  EXPECT_NEAR(c.difference.estimate, -0.5, 1e-12);
  EXPECT_LT(c.difference.low, -0.5);
  EXPECT_GT(c.difference.high, -0.5);
  EXPECT_LT(c.difference.high, 0.0);
}

TEST(Statistics, BootstrapContainsTheMeanAndIsSeeded) {
  std::vector<double> v;
  for (int i = 0; i < 100; ++i) v.push_back(i % 10 < 7 ? 1.0 : 0.0);  // mean 0.7
  const Interval a = BootstrapMean(v, 2000, 42);
  EXPECT_DOUBLE_EQ(a.estimate, 0.7);
  EXPECT_LT(a.low, 0.7);
  EXPECT_GT(a.high, 0.7);
  // Binomial sd = sqrt(0.21 / 100) = 0.046: the interval is about +-0.09.
  EXPECT_NEAR(a.high - a.low, 2 * 1.96 * 0.0458, 0.03);
  const Interval b = BootstrapMean(v, 2000, 42);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  const std::vector<double> same(20, 1.0);
  const Interval s = BootstrapMean(same, 500, 1);
  EXPECT_EQ(s.low, 1.0);
  EXPECT_EQ(s.high, 1.0);
}

// ------------------------------------------------------------- runner

const std::string kModel = std::string(ENTROPIX_SHARED_DIR) + "/models/stories260K.gguf";

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kModel)) GTEST_SKIP() << "no " << kModel;
    model_ = Model::Load(kModel);
    tokenizer_ = Tokenizer::FromGguf(model_->file());
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("entropix_eval_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  EvalRunStats Run(int limit, const std::string& dir, int parallel = 1, int draws = 1,
                   const std::string& samplers = "greedy,sample,entropix") {
    TaskOptions to;
    to.name = "arith";
    to.limit = limit;
    to.seed = 3;
    task_ = MakeTask(to);
    EvalOptions eo;
    eo.out_dir = dir;
    eo.seed = 5;
    eo.max_tokens = 12;
    eo.threads = 1;
    eo.context = 256;
    eo.progress = false;
    eo.resamples = 200;
    eo.parallel = parallel;
    eo.draws = draws;
    return RunEvaluation(*model_, *tokenizer_, "stories260K", *task_, ParseSamplers(samplers, *model_), eo);
  }
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Task> task_;
  std::filesystem::path dir_;
};

TEST_F(RunnerTest, ResumesWithoutRedoingFinishedItems) {
  EvalRunStats first = Run(1, dir_.string());  // the checkpoint holds item 0 for all 3 samplers
  EXPECT_EQ(first.evaluated, 3);
  EXPECT_EQ(first.resumed, 0);
  // A torn last line (killed mid-write) is dropped, not fatal.
  { std::ofstream(dir_ / "results.jsonl", std::ios::app) << "{\"sampler\": \"gre"; }
  EvalRunStats second = Run(3, dir_.string());
  EXPECT_EQ(second.resumed, 3);
  EXPECT_EQ(second.evaluated, 6);
  EXPECT_EQ(ReadResults(dir_.string()).size(), 9u);
  EvalRunStats third = Run(3, dir_.string());
  EXPECT_EQ(third.evaluated, 0);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "summary.json"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "accuracy.svg"));
  const json summary = json::parse(std::ifstream(dir_ / "summary.json"));
  EXPECT_EQ(summary["n_items"], 3);
  EXPECT_EQ(summary["samplers"].size(), 3u);
  EXPECT_TRUE(summary["samplers"][1].contains("vs_greedy"));
  // Pairs not involving greedy: only entropix − sample here, and it agrees
  // with the two per-sampler means.
  ASSERT_EQ(summary["pairs"].size(), 1u);
  EXPECT_EQ(summary["pairs"][0]["a"], "entropix");
  EXPECT_EQ(summary["pairs"][0]["b"], "sample");
  EXPECT_NEAR(summary["pairs"][0]["difference"].get<double>(),
              summary["samplers"][2]["metric"]["estimate"].get<double>() -
                  summary["samplers"][1]["metric"]["estimate"].get<double>(),
              1e-12);
}

// The task's own summary (here distinct-n) is computed on the same items as
// the metric: those every listed sampler finished.
TEST(Summarize, TaskSummaryUsesOnlyPairedItems) {
  TaskOptions to;
  to.name = "loops";
  const auto task = MakeTask(to);
  auto rec = [](const std::string& sampler, const std::string& item, int index, std::vector<int32_t> ids) {
    EvalRecord r;
    r.sampler = sampler;
    r.item = item;
    r.index = index;
    r.tokens = static_cast<int64_t>(ids.size());
    r.decode_seconds = 1.0;
    r.token_ids = ids;
    return r;
  };
  const std::vector<EvalRecord> records = {rec("greedy", "0", 0, {1, 2, 3, 4}), rec("greedy", "1", 1, {1, 1, 1, 1}),
                                           rec("x", "0", 0, {5, 6, 7, 8})};
  const std::vector<SummarySampler> samplers = {{"greedy", 1}, {"x", 1}};
  const json s = Summarize(*task, samplers, records, 100, 1);
  EXPECT_EQ(s["n_items"], 1);
  EXPECT_DOUBLE_EQ(s["samplers"][0]["task"]["distinct_1"].get<double>(), 1.0);  // item 1 (0.25) left out
}

// --rescore: stored responses are scored again (as after a checker fix);
// generation is not repeated, other fields survive, the summary follows.
TEST_F(RunnerTest, RescoreRecomputesStoredScores) {
  Run(3, dir_.string());
  auto records = ReadResults(dir_.string());
  ASSERT_EQ(records.size(), 9u);
  const EvalRecord original = records[4];
  records[4].correct = 1.0 - records[4].correct;  // as if an old checker had erred
  records[4].extracted = "stale";
  {
    std::ofstream out(dir_ / "results.jsonl");
    for (const auto& r : records) out << r.ToLine();
  }
  EvalOptions eo;
  eo.out_dir = dir_.string();
  eo.seed = 5;
  eo.max_tokens = 12;
  eo.resamples = 200;
  const RescoreStats rs = RescoreEvaluation("stories260K", *task_, ParseSamplers("greedy,sample,entropix", *model_), eo);
  EXPECT_EQ(rs.rescored, 9);
  EXPECT_EQ(rs.changed, 1);
  const auto after = ReadResults(dir_.string());
  ASSERT_EQ(after.size(), 9u);
  EXPECT_EQ(after[4], original);
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();  // no temporaries left
  }
  // Another identity (here: another seed), or a folder without a run, is refused.
  eo.seed = 6;
  EXPECT_THROW(RescoreEvaluation("stories260K", *task_, ParseSamplers("greedy", *model_), eo), Error);
  eo.seed = 5;
  eo.out_dir = (dir_ / "empty").string();
  EXPECT_THROW(RescoreEvaluation("stories260K", *task_, ParseSamplers("greedy", *model_), eo), Error);
}

TEST_F(RunnerTest, SameItemsAndSeedsGiveTheSameRecords) {
  Run(3, (dir_ / "a").string());
  Run(3, (dir_ / "b").string());
  const auto a = ReadResults((dir_ / "a").string());
  const auto b = ReadResults((dir_ / "b").string());
  ASSERT_EQ(a.size(), 9u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    // Everything but the timings.
    EvalRecord x = a[i], y = b[i];
    x.seconds = y.seconds = x.decode_seconds = y.decode_seconds = x.tokens_per_s = y.tokens_per_s = 0;
    EXPECT_EQ(x, y) << "record " << i;
  }
}

// Everything but the wall-time fields, keyed by (sampler, item, draw).
std::map<std::tuple<std::string, std::string, int64_t>, EvalRecord> ByTriple(std::vector<EvalRecord> records) {
  std::map<std::tuple<std::string, std::string, int64_t>, EvalRecord> out;
  for (EvalRecord& r : records) {
    r.seconds = r.decode_seconds = r.tokens_per_s = 0;
    out[{r.sampler, r.item, r.draw}] = std::move(r);
  }
  return out;
}

// --parallel: the generations share one scheduler's steps, and every record
// is the one the serial run writes (only the line order may differ).
TEST_F(RunnerTest, ParallelRunsGiveTheSerialRecords) {
  const EvalRunStats serial = Run(3, (dir_ / "p1").string(), 1, 2);
  const EvalRunStats batched = Run(3, (dir_ / "p4").string(), 4, 2);
  EXPECT_EQ(serial.evaluated, 15);  // 3 items x (greedy 1 + sample 2 + entropix 2)
  EXPECT_EQ(batched.evaluated, 15);
  const auto a = ByTriple(ReadResults((dir_ / "p1").string()));
  const auto b = ByTriple(ReadResults((dir_ / "p4").string()));
  ASSERT_EQ(a.size(), 15u);
  ASSERT_EQ(b.size(), a.size());
  for (const auto& [key, rec] : a) {
    ASSERT_TRUE(b.count(key)) << std::get<0>(key) << " " << std::get<1>(key);
    EXPECT_EQ(rec, b.at(key)) << std::get<0>(key) << " item " << std::get<1>(key) << " draw " << std::get<2>(key);
  }
  // The summaries agree too (they do not depend on line order), and each
  // invocation logged its wall time.
  json sa = json::parse(std::ifstream(dir_ / "p1" / "summary.json"));
  json sb = json::parse(std::ifstream(dir_ / "p4" / "summary.json"));
  for (json* s : {&sa, &sb}) {
    for (auto& x : (*s)["samplers"]) x.erase("tokens_per_s");
  }
  EXPECT_EQ(sa["samplers"].size(), sb["samplers"].size());
  for (size_t i = 0; i < sa["samplers"].size(); ++i) {
    EXPECT_EQ(sa["samplers"][i]["metric"], sb["samplers"][i]["metric"]) << i;
  }
  std::ifstream log(dir_ / "p4" / "runs.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(log, line));
  EXPECT_EQ(json::parse(line)["parallel"], 4);
  // A batched rerun resumes like a serial one.
  EXPECT_EQ(Run(3, (dir_ / "p4").string(), 4, 2).evaluated, 0);
}

// A vote record says how the vote went: stop reason, chosen trace, and per
// trace its answer, weight, confidence and cost; it survives the checkpoint.
TEST_F(RunnerTest, VoteRecordsDescribeEveryTrace) {
  Run(2, dir_.string(), 4, 1, "greedy,vote");
  int votes = 0;
  for (const EvalRecord& r : ReadResults(dir_.string())) {
    if (r.sampler != "vote") {
      EXPECT_FALSE(r.vote.has_value());
      continue;
    }
    ++votes;
    ASSERT_TRUE(r.vote.has_value());
    const VoteRecord& v = *r.vote;
    EXPECT_FALSE(v.stop_reason.empty());
    ASSERT_EQ(static_cast<int>(v.per_trace.size()), v.traces);
    ASSERT_GE(v.traces, 1);
    EXPECT_EQ(v.per_trace[0].origin, "greedy");
    int64_t trace_tokens = 0;
    bool chosen_found = false;
    for (const VoteTraceRecord& t : v.per_trace) {
      trace_tokens += t.forward_tokens;
      chosen_found |= t.id == v.chosen_trace;
      EXPECT_GE(t.weight, 0.0);
    }
    EXPECT_TRUE(chosen_found);
    // The record's compute is every trace's plus their prompt prefills.
    EXPECT_GT(*r.forward_tokens, trace_tokens);
    EXPECT_EQ(EvalRecord::FromJson(r.ToLine(), "x", 1), r);
  }
  EXPECT_EQ(votes, 2);
}

TEST_F(RunnerTest, RefusesACheckpointWithOtherSettings) {
  Run(1, dir_.string());
  json other = json::parse(std::ifstream(dir_ / "run.json"));
  other["seed"] = 999;
  std::ofstream(dir_ / "run.json") << other.dump();
  EXPECT_THROW(Run(1, dir_.string()), Error);
}

}  // namespace
}  // namespace entropix
