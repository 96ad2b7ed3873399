// The default answer hook: eval's GSM8K semantics plus the answer's span.
#include <gtest/gtest.h>

#include <string>

#include "decoding/answer_hook.h"

namespace entropix {
namespace {

// The response bytes the answer was read from.
std::string SpanText(const std::string& response, const Answer& a) {
  return response.substr(a.begin, a.end - a.begin);
}

TEST(MathAnswer, MarkerNumberAndItsSpan) {
  const std::string r = "She pays 3 * 4 = 12 dollars. The answer is $1,234.";
  const auto a = ExtractMathAnswer(r, false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->key, "1234");
  EXPECT_EQ(SpanText(r, *a), "$1,234");
}

TEST(MathAnswer, LastMarkerWinsAndBoxedSpan) {
  const std::string r = "So \\boxed{5}. Wait, recheck: 3 + 4 = 7, \\boxed{7}";
  const auto a = ExtractMathAnswer(r, false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->key, "7");
  EXPECT_EQ(a->begin, r.size() - 2);  // the 7 inside the last box
  EXPECT_EQ(SpanText(r, *a), "7");
}

TEST(MathAnswer, FinalNumberUnlessAMarkerIsRequired) {
  const std::string r = "First 10 apples, then 32 more: 42 apples";
  const auto flexible = ExtractMathAnswer(r, false);
  ASSERT_TRUE(flexible);
  EXPECT_EQ(flexible->key, "42");
  EXPECT_EQ(SpanText(r, *flexible), "42");
  EXPECT_FALSE(ExtractMathAnswer(r, true));
  EXPECT_FALSE(MathAnswerHook()("no numbers here"));
}

TEST(MathAnswer, SpansMapBackThroughLatexSpellings) {
  // U+2212 (3 bytes) is read as '-', "1{,}500" as "1,500": the span covers
  // the bytes as written.
  const std::string minus = "The answer is \xE2\x88\x92" "8.";
  const auto m = ExtractMathAnswer(minus, false);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->key, "-8");
  EXPECT_EQ(SpanText(minus, *m), "\xE2\x88\x92" "8");
  const std::string sep = "caf\xC3\xA9: \\boxed{1{,}500}";
  const auto s = ExtractMathAnswer(sep, false);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->key, "1500");
  EXPECT_EQ(SpanText(sep, *s), "1{,}500");
}

TEST(MathAnswer, FractionsAndExpressions) {
  const std::string r = "The answer is \\frac{3}{4}.";
  const auto a = ExtractMathAnswer(r, false);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->key, "0.75");
  EXPECT_EQ(SpanText(r, *a), "\\frac{3}{4}");
  // "answer is 2 + 3 = 5": the value after '='.
  const std::string e = "The answer is 2 + 3 = 5";
  const auto b = ExtractMathAnswer(e, true);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->key, "5");
  EXPECT_EQ(b->begin, e.size() - 1);
}


// A comparison's answer: the first candidate named, wherever a later number
// or marker points elsewhere (arith scores comparisons this way).
TEST(FirstCandidate, FirstNamedWinsWithItsSpan) {
  const std::vector<std::string> c = {"9.9", "9.11"};
  const std::string r = "9.90 is larger than 9.11, so the answer is 9.11.";
  const auto a = FirstCandidateAnswer(r, c);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->key, "9.9");
  EXPECT_EQ(SpanText(r, *a), "9.90");
  EXPECT_FALSE(FirstCandidateAnswer("Both are 10.", c));
  // Through a rule, as a pool stores it.
  EXPECT_EQ(RuleAnswerHook({AnswerRule::Kind::kFirst, false, c})(r)->key, "9.9");
  EXPECT_EQ(RuleAnswerHook({AnswerRule::Kind::kMath, false, {}})(r)->key, "9.11");
  EXPECT_FALSE(RuleAnswerHook({AnswerRule::Kind::kMath, true, {}})("It is 9.9."));
  EXPECT_FALSE(RuleAnswerHook({AnswerRule::Kind::kNone, false, {}})(r));
}

}  // namespace
}  // namespace entropix
