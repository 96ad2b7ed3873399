// "What is the answer of this response?": the question the vote asks of
// every trace. Tasks plug in their own extractor (eval's task knows its
// format); the default is the project's GSM8K rule (text/answer_extract.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace entropix {

// `key` is what votes compare (equal keys = the same answer), so it must be
// normalised ("$1,234.50" and "1234.5" give the same key). [begin, end): the
// bytes of the response the answer was read from; the answer-span margin is
// taken over the tokens that produced them.
struct Answer {
  std::string key;
  size_t begin = 0;
  size_t end = 0;
};

// nullopt: the response has no extractable answer (an open-ended prompt, or
// a trace cut off before it committed to one).
using AnswerHook = std::function<std::optional<Answer>(std::string_view response)>;

// The GSM8K semantics of eval (ExtractFinalAnswer): the number held by the
// last "\boxed{}", "the answer is", "Final answer:" or "####" marker; without
// a marker the last number anywhere, unless `require_marker` (strict).
std::optional<Answer> ExtractMathAnswer(std::string_view response, bool require_marker);
AnswerHook MathAnswerHook(bool require_marker = false);

}  // namespace entropix
