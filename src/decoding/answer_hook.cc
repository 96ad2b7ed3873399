#include "decoding/answer_hook.h"

#include "text/answer_extract.h"

namespace entropix {

std::optional<Answer> ExtractMathAnswer(std::string_view response, bool require_marker) {
  const FinalAnswer a = ExtractFinalAnswer(response);
  const std::optional<std::string>& key = require_marker ? a.strict : a.flexible;
  if (!key) return std::nullopt;
  return Answer{*key, a.begin, a.end};
}

AnswerHook MathAnswerHook(bool require_marker) {
  return [require_marker](std::string_view response) { return ExtractMathAnswer(response, require_marker); };
}

}  // namespace entropix
