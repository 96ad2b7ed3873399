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

// The answer a response commits to, in priority order:
//   1. the number after the last "####" (the GSM8K reference format);
//   2. the number inside the last "\\boxed{...}" (the LaTeX convention that
//      Qwen-family and other math-tuned models use whatever the prompt asks);
//   3. the number after the last "answer is" (case-insensitive; "The answer is N");
//   4. the last number in the text.
// nullopt when the response has no number.
std::optional<std::string> ExtractFinalNumber(std::string_view response);

// GSM8K answers: the text after "####", normalised (throws Error(kCorruptFile)
// if absent), and the worked solution with the "<<...>>" calculator
// annotations removed.
std::string Gsm8kReferenceNumber(std::string_view answer);
std::string StripCalculatorAnnotations(std::string_view answer);

}  // namespace entropix
