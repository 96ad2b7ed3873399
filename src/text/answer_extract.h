// Final-answer extraction for math tasks (GSM8K, arith): find the number a
// response commits to and normalise it so "1,234.50", "$1234.5" and
// "1234.5" compare equal.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace entropix {

// Canonical decimal text of a number as written: '$' and thousands commas
// dropped, a leading '-' kept, trailing fractional zeros and a bare '.'
// removed, "-0" -> "0". Returns nullopt if `text` is not a number.
std::optional<std::string> NormalizeNumber(std::string_view text);

// Every number in `text`, in order, normalised. A number is an optional '-'
// (or '-$' / '$-'), digits with optional thousands commas, and an optional
// fraction (".5" is allowed). A '.' that ends a sentence is not a fraction.
std::vector<std::string> FindNumbers(std::string_view text);
// The same numbers with the bytes [begin, end) of `text` each was read from.
struct NumberSpan {
  std::string value;  // normalised
  size_t begin = 0, end = 0;
};
std::vector<NumberSpan> FindNumberSpans(std::string_view text);

// The final-answer markers a response may use (docs/EVALUATION.md, gsm8k).
enum class AnswerMarker {
  kNone,         // no marker holds a number
  kBoxed,        // a closed "\boxed{...}" (the LaTeX convention of Qwen-family models)
  kAnswerIs,     // "answer is N" (also "The final answer is N")
  kFinalAnswer,  // "Final answer: N"
  kHashes,       // "#### N" (the GSM8K reference format)
};
// "none", "boxed", "answer-is", "final-answer", "hashes".
const char* AnswerMarkerName(AnswerMarker marker);

// What a response commits to. `strict` is the number held by the LAST marker
// in the text that holds one (position decides, not the kind): a later
// "The answer is 7" beats an earlier \boxed{5}. A marker holds no number when
// it states an expression ("24 + B"), names none ("the answer is {x}" in
// code) or is an unclosed box (cut by the token cap). `flexible` is `strict`,
// else the last number anywhere (lm-eval's flexible extract). Numbers are
// normalised: "$1,234.50" -> "1234.5", "\frac{3}{4}" and "3/4" -> "0.75",
// fractions without a short decimal form stay "a/b" ("50/7"); units,
// currency and percent signs around a number are ignored.
// `begin`, `end`: the bytes of `response` the flexible answer was read from
// ("$1,234" in "The answer is $1,234."; a LaTeX minus sign or "{,}" counts
// whole); both 0 when there is no answer.
struct FinalAnswer {
  AnswerMarker marker = AnswerMarker::kNone;
  std::optional<std::string> strict;
  std::optional<std::string> flexible;
  size_t begin = 0, end = 0;
};
FinalAnswer ExtractFinalAnswer(std::string_view response);

// The flexible answer (ExtractFinalAnswer(response).flexible): what arith scores.
std::optional<std::string> ExtractFinalNumber(std::string_view response);

// Numeric equality of two extracted or reference numbers ("5.0" == "5",
// "1/2" == "0.5"), to 1e-9 relative; false when either is not a number.
bool SameNumber(std::string_view a, std::string_view b);

// GSM8K answers: the text after "####", normalised (throws Error(kCorruptFile)
// if absent), and the worked solution with the "<<...>>" calculator
// annotations removed.
std::string Gsm8kReferenceNumber(std::string_view answer);
std::string StripCalculatorAnnotations(std::string_view answer);

}  // namespace entropix
