// The GSM8K protocol (issue 8): position-aware final-answer extraction checked
// against hand-labelled real responses (tests/golden/eval/gsm8k_extraction.jsonl,
// labels made by reading, see tests/golden/README.md), hand-written cases for
// the forms the stored responses lack, strict vs flexible scoring, the task
// summary (no-marker, cap-hit and invented-output shares), and the prompt
// styles.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/answer_extract.h"
#include "eval/json_fields.h"
#include "eval/math_tasks.h"
#include "runtime/prompt.h"
#include "runtime/session.h"

namespace entropix {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// The test's own numeric reading of a label or an extracted answer ("a/b" or
// a plain decimal), independent of the code under test.
std::optional<double> Value(const std::string& text) {
  const size_t slash = text.find('/');
  char* end = nullptr;
  if (slash != std::string::npos) {
    const double num = std::strtod(text.substr(0, slash).c_str(), &end);
    const double den = std::strtod(text.substr(slash + 1).c_str(), &end);
    return num / den;
  }
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') return std::nullopt;
  return v;
}

// Label (null = no answer) against what the extractor gave.
::testing::AssertionResult SameAnswer(const json& label, const std::optional<std::string>& got) {
  if (label.is_null()) {
    if (!got) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected no answer, got '" << *got << "'";
  }
  if (!got) return ::testing::AssertionFailure() << "expected " << label.get<std::string>() << ", got none";
  const auto want = Value(label.get<std::string>()), have = Value(*got);
  if (want && have && std::fabs(*want - *have) <= 1e-9 * std::max(1.0, std::fabs(*want))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "expected " << label.get<std::string>() << ", got '" << *got << "'";
}

TEST(Gsm8kExtraction, HandLabelledRealResponses) {
  const std::string path = std::string(ENTROPIX_TEST_DATA_DIR) + "/eval/gsm8k_extraction.jsonl";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::string line;
  int cases = 0, no_marker = 0, capped = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json c = json::parse(line);
    ++cases;
    const std::string response = c["response"];
    const FinalAnswer got = ExtractFinalAnswer(response);
    const std::string where = c["source"].get<std::string>() + " (" + c["note"].get<std::string>() + ")";
    EXPECT_TRUE(SameAnswer(c["strict"], got.strict)) << "strict, " << where;
    EXPECT_TRUE(SameAnswer(c["flexible"], got.flexible)) << "flexible, " << where;
    EXPECT_EQ(AnswerMarkerName(got.marker), c["marker"].get<std::string>()) << where;
    no_marker += c["strict"].is_null();
    capped += c["stop"] == "token limit";
  }
  EXPECT_GE(cases, 60);
  EXPECT_GE(no_marker, 10);  // the mix the golden file promises
  EXPECT_GE(capped, 15);
}

struct HandCase {
  const char* response;
  const char* strict;    // nullptr: none
  const char* flexible;  // nullptr: none
  const char* marker;
};

void PrintTo(const HandCase& c, std::ostream* os) { *os << json(c.response).dump(); }

class Gsm8kExtractionForms : public ::testing::TestWithParam<HandCase> {};

TEST_P(Gsm8kExtractionForms, Extracts) {
  const HandCase& c = GetParam();
  const FinalAnswer got = ExtractFinalAnswer(c.response);
  EXPECT_TRUE(SameAnswer(c.strict ? json(c.strict) : json(), got.strict)) << "strict: " << c.response;
  EXPECT_TRUE(SameAnswer(c.flexible ? json(c.flexible) : json(), got.flexible)) << "flexible: " << c.response;
  EXPECT_STREQ(AnswerMarkerName(got.marker), c.marker) << c.response;
}

// Forms the stored responses lack (units and fractions inside boxes,
// separators, later markers of another kind).
INSTANTIATE_TEST_SUITE_P(
    Eval, Gsm8kExtractionForms,
    ::testing::Values(
        // The last marker wins, whatever its kind.
        HandCase{"So \\boxed{5}. Wait, I forgot the tax. The answer is 7.", "7", "7", "answer-is"},
        HandCase{"The answer is 7. Checking again: \\boxed{8}", "8", "8", "boxed"},
        HandCase{"#### 9 and \\boxed{8}", "8", "8", "boxed"},
        HandCase{"\\boxed{8}\n#### 9", "9", "9", "hashes"},
        HandCase{"Final answer: 12 apples", "12", "12", "final-answer"},
        HandCase{"**Final Answer:** $1,250", "1250", "1250", "final-answer"},
        HandCase{"Final Answer: \\boxed{30}", "30", "30", "boxed"},
        // Fractions.
        HandCase{"\\boxed{\\frac{50}{7}}", "50/7", "50/7", "boxed"},
        HandCase{"\\boxed{\\dfrac{3}{4}}", "0.75", "0.75", "boxed"},
        HandCase{"The answer is \\tfrac{10}{4} cups.", "2.5", "2.5", "answer-is"},
        HandCase{"The answer is 3/4.", "0.75", "0.75", "answer-is"},
        HandCase{"\\boxed{2\\frac{1}{2}}", "2.5", "2.5", "boxed"},
        HandCase{"so d = 50 / 7, about \\frac{50}{7}", nullptr, "50/7", "none"},
        HandCase{"\\boxed{\\frac{1}{0}}", nullptr, nullptr, "none"},  // not a number
        // Separators, decimals, currency, units, percents, signs.
        HandCase{"\\boxed{1,234}", "1234", "1234", "boxed"},
        HandCase{"\\boxed{1{,}234{,}567}", "1234567", "1234567", "boxed"},
        HandCase{"\\boxed{12\\,500}", "12500", "12500", "boxed"},
        HandCase{"\\boxed{\\$5.50}", "5.5", "5.5", "boxed"},
        HandCase{"The answer is $5 dollars.", "5", "5", "answer-is"},
        HandCase{"\\boxed{12 \\text{ cm}^2}", "12", "12", "boxed"},
        HandCase{"\\boxed{12\\text{cm}}", "12", "12", "boxed"},
        HandCase{"\\boxed{25\\%}", "25", "25", "boxed"},
        HandCase{"The answer is 40%.", "40", "40", "answer-is"},
        HandCase{"\\boxed{-3}", "-3", "-3", "boxed"},
        HandCase{"The answer is \xE2\x88\x92" "4.", "-4", "-4", "answer-is"},  // U+2212 minus sign
        HandCase{"The answer is -$5.", "-5", "-5", "answer-is"},
        HandCase{"The answer is 0.50.", "0.5", "0.5", "answer-is"},
        // Expressions and equations inside a marker.
        HandCase{"\\boxed{2 \\times 3 = 6}", "6", "6", "boxed"},
        HandCase{"\\boxed{x = 5}", "5", "5", "boxed"},
        HandCase{"The answer is 24 + B.", nullptr, "24", "none"},
        HandCase{"\\boxed{5 * 3 = 15}", "15", "15", "boxed"},
        HandCase{"The answer is **18**.", "18", "18", "answer-is"},
        HandCase{"The answer is *18*.", "18", "18", "answer-is"},
        HandCase{"**Final answer:** **42** cookies", "42", "42", "final-answer"},
        HandCase{"The answer is:\n\n\\[\n18\n\\]", "18", "18", "answer-is"},
        HandCase{"The answer is the total. It is 9.", nullptr, "9", "none"},
        HandCase{"answer isn't 5, it is 6", nullptr, "6", "none"},
        // Markers that hold nothing, truncation.
        HandCase{"\\boxed{} so it is 7", nullptr, "7", "none"},
        HandCase{"48 + 24 = 72, so \\boxed{72", nullptr, "72", "none"},
        HandCase{"\\boxed{5} and later \\boxed{", "5", "5", "boxed"},
        HandCase{"print(f\"The answer is {total}\")\n```output\n72.0\n```", nullptr, "72", "none"},
        HandCase{"no numbers here", nullptr, nullptr, "none"},
        HandCase{"", nullptr, nullptr, "none"},
        // The last number (flexible) ignores exponents and subscripts.
        HandCase{"area 12 cm^2", nullptr, "12", "none"},
        HandCase{"x_1 = 4 and x_2", nullptr, "4", "none"}));

// Model output is bounded by the token cap, but a rescored checkpoint may
// hold anything: a megabyte of open markers must stay fast (each marker looks
// at most a bounded span ahead).
TEST(Gsm8kExtraction, HostileResponsesStayFast) {
  const auto repeat = [](const std::string& unit, size_t times) {
    std::string s;
    for (size_t i = 0; i < times; ++i) s += unit;
    return s;
  };
  const auto t0 = std::chrono::steady_clock::now();
  for (const std::string& r : {repeat("\\boxed{", 150000), repeat("The answer is ", 80000), repeat("\\frac{1}{", 100000),
                               repeat("1/", 500000), repeat("final answer: ", 80000), repeat("-", 1000000)}) {
    const FinalAnswer a = ExtractFinalAnswer(r);
    EXPECT_FALSE(a.strict.has_value());
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
}

TEST(Gsm8kExtraction, SameNumberIsNumeric) {
  EXPECT_TRUE(SameNumber("5.0", "5"));
  EXPECT_TRUE(SameNumber("1/2", "0.5"));
  EXPECT_TRUE(SameNumber("-0", "0"));
  EXPECT_TRUE(SameNumber("1234567", "1234567"));
  EXPECT_FALSE(SameNumber("1234567", "1234568"));
  EXPECT_FALSE(SameNumber("50/7", "7.14"));
  EXPECT_FALSE(SameNumber("-3", "3"));
  EXPECT_FALSE(SameNumber("", "0"));
  EXPECT_FALSE(SameNumber("abc", "abc"));
  EXPECT_FALSE(SameNumber("1/0", "1/0"));
}

// ------------------------------------------------------------- the task

fs::path Gsm8kFile() {
  const fs::path dir = fs::path(::testing::TempDir()) / "entropix_gsm8k_protocol";
  fs::create_directories(dir);
  const fs::path file = dir / "gsm8k.jsonl";
  std::ofstream(file) << R"({"question": "What is 2 + 3?", "answer": "2 + 3 = 5\n#### 5"})" "\n"
                      << R"({"question": "What is 10 / 4?", "answer": "10/4 = 2.5\n#### 2.5"})" "\n";
  return file;
}

std::unique_ptr<Task> Gsm8k(const std::string& style = "") {
  TaskOptions o;
  o.name = "gsm8k";
  o.data = Gsm8kFile().string();
  o.prompt_style = style;
  return MakeTask(o);
}

TEST(Gsm8kTask, StrictIsPrimaryFlexibleInDetails) {
  const auto task = Gsm8k();
  const EvalItem& item = task->items()[0];
  ItemScore s = task->Score(item, "2 + 3 = 5.0");  // no marker: strict wrong, flexible right
  EXPECT_EQ(s.value, 0.0);
  EXPECT_EQ(s.extracted, "");
  EXPECT_EQ(s.details["flexible"], true);
  EXPECT_EQ(s.details["flexible_answer"], "5");
  EXPECT_EQ(s.details["marker"], "none");
  EXPECT_EQ(s.details["output_block"], false);
  s = task->Score(item, "```python\nprint(2 + 3)\n```\n```output\n5\n```\nSo \\boxed{5.0}.");
  EXPECT_EQ(s.value, 1.0);
  EXPECT_EQ(s.extracted, "5");
  EXPECT_EQ(s.details["flexible"], true);
  EXPECT_EQ(s.details["marker"], "boxed");
  EXPECT_EQ(s.details["output_block"], true);
  s = task->Score(item, "\\boxed{5}, no wait, the answer is 6");
  EXPECT_EQ(s.value, 0.0);
  EXPECT_EQ(s.details["flexible"], false);
  // A reference with a decimal compares numerically.
  EXPECT_EQ(task->Score(task->items()[1], "\\boxed{\\frac{5}{2}}").value, 1.0);
  EXPECT_EQ(task->Score(task->items()[1], "The answer is 2.50").value, 1.0);
}

EvalRecord Record(const Task& task, const std::string& response, StopReason stop) {
  EvalRecord r;
  const ItemScore s = task.Score(task.items()[0], response);
  r.response = response;
  r.correct = s.value;
  r.details = s.details;
  r.stop = StopReasonName(stop);
  return r;
}

TEST(Gsm8kTask, SummaryReportsFlexibleNoMarkerCapHitAndOutputBlocks) {
  const auto task = Gsm8k();
  const std::vector<EvalRecord> records = {
      Record(*task, "\\boxed{5}", StopReason::kEndOfGeneration),                       // strict, flexible
      Record(*task, "so 5", StopReason::kEndOfGeneration),                             // flexible only
      Record(*task, "```output\n4\n```\n\\boxed{4}", StopReason::kEndOfGeneration),  // wrong, output block
      Record(*task, "2 + 3 = \\boxed{5", StopReason::kMaxTokens),                      // capped: flexible only
  };
  const json t = task->Summarize(records);
  EXPECT_DOUBLE_EQ(t["strict_accuracy"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(t["flexible_accuracy"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(t["no_marker_rate"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(t["cap_hit_rate"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(t["output_block_rate"].get<double>(), 0.25);
  EXPECT_EQ(t["n"], 4);
}

TEST(Gsm8kTask, DetailsAreCheckedWhenReadBack) {
  const auto task = Gsm8k();
  const json good = task->Score(task->items()[0], "\\boxed{5}").details;
  task->CheckDetails(JsonFields(good, "f line 1", "details."));
  task->CheckDetails(JsonFields(json::object(), "f line 1", "details."));  // records made before issue 8
  for (const json& bad : {json{{"flexible", 1}, {"flexible_answer", "5"}, {"marker", "boxed"}, {"output_block", false}},
                          json{{"flexible", true}, {"flexible_answer", "5"}, {"marker", "box"}, {"output_block", false}},
                          json{{"flexible", true}}}) {
    EXPECT_THROW(task->CheckDetails(JsonFields(bad, "f line 1", "details.")), Error) << bad.dump();
  }
}

// ------------------------------------------------------------- prompt styles

// A style's texts are where it says: its system message replaces the
// task's, its instruction opens the user message before the question.
void ExpectStyleApplied(const Gsm8kPromptStyle& style, const EvalItem& item) {
  const std::string system(style.system.empty() ? kDefaultSystemPrompt : style.system);
  ASSERT_EQ(item.messages.size(), 2u) << style.name;
  EXPECT_EQ(item.messages[0].role, "system");
  EXPECT_EQ(item.messages[0].content, system) << style.name;
  EXPECT_EQ(item.messages[1].role, "user");
  const std::string& user = item.messages[1].content;
  const std::string question = "Question: What is 2 + 3?";
  if (style.instruction_last) {  // the question, then the instruction
    EXPECT_EQ(user, question + "\n\n" + std::string(style.instruction)) << style.name;
    return;
  }
  EXPECT_EQ(user.rfind(std::string(style.instruction), 0), 0u) << style.name;
  EXPECT_EQ(user.substr(user.size() - question.size()), question);
}

TEST(Gsm8kPrompt, DefaultAsksForPlainWordsNoCodeAndABox) {
  const Gsm8kPromptStyle& style = Gsm8kPromptStyleByName("");
  EXPECT_EQ(style.name, kGsm8kDefaultStyle);
  const std::string text = std::string(style.system) + std::string(style.instruction);
  EXPECT_NE(text.find("\\boxed{}"), std::string::npos);
  EXPECT_NE(text.find("plain words"), std::string::npos);
  EXPECT_NE(text.find("not write any code"), std::string::npos);
  const auto task = Gsm8k();
  ExpectStyleApplied(style, task->items()[0]);
  EXPECT_GE(task->default_max_tokens(), 768);
}

TEST(Gsm8kPrompt, StylesAreSelectableByName) {
  EXPECT_GE(Gsm8kPromptStyles().size(), 3u);
  for (const Gsm8kPromptStyle& s : Gsm8kPromptStyles()) {
    EXPECT_EQ(Gsm8kPromptStyleByName(s.name).instruction, s.instruction);
    ExpectStyleApplied(s, Gsm8k(std::string(s.name))->items()[0]);
  }
  try {
    Gsm8kPromptStyleByName("fancy");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("plain-boxed"), std::string::npos) << e.what();  // names the styles
  }
  EXPECT_THROW(Gsm8k("fancy"), Error);
}

TEST(Gsm8kPrompt, IdentityNamesTheInstructionButKeepsOldRunsValid) {
  // The style before issue 8 has the identity the committed run.json files
  // record, so those folders can still be rescored (-n 384 --prompt-style answer-is).
  const auto legacy = Gsm8k(std::string(kGsm8kStyleAnswerIs));
  EXPECT_EQ(legacy->Identity(), (json{{"task", "gsm8k"}, {"data", Gsm8kFile().string()}, {"shots", 0},
                                      {"system", "You are a helpful assistant."}}));
  const json fresh = Gsm8k()->Identity();
  EXPECT_EQ(fresh["prompt_style"], std::string(kGsm8kDefaultStyle));
  EXPECT_EQ(fresh["instruction"], std::string(Gsm8kPromptStyleByName("").instruction));
  EXPECT_EQ(fresh["system"], kDefaultSystemPrompt);  // the system message sent
  EXPECT_EQ(Gsm8k(std::string(kGsm8kStylePlainBoxedSystem))->Identity()["system"],
            std::string(Gsm8kPromptStyleByName(kGsm8kStylePlainBoxedSystem).system));
  EXPECT_NE(fresh, legacy->Identity());
}

}  // namespace
}  // namespace entropix
