#include "decoding/answer_hook.h"

#include <algorithm>

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

std::optional<Answer> FirstCandidateAnswer(std::string_view response, const std::vector<std::string>& candidates) {
  std::vector<std::string> wanted;
  for (const std::string& c : candidates) {
    if (auto n = NormalizeNumber(c)) wanted.push_back(*n);
  }
  for (const NumberSpan& n : FindNumberSpans(response)) {
    if (std::find(wanted.begin(), wanted.end(), n.value) != wanted.end()) return Answer{n.value, n.begin, n.end};
  }
  return std::nullopt;
}

AnswerHook RuleAnswerHook(const AnswerRule& rule) {
  switch (rule.kind) {
    case AnswerRule::Kind::kNone: return [](std::string_view) { return std::optional<Answer>(); };
    case AnswerRule::Kind::kMath: return MathAnswerHook(rule.require_marker);
    case AnswerRule::Kind::kFirst:
      return [candidates = rule.candidates](std::string_view response) {
        return FirstCandidateAnswer(response, candidates);
      };
  }
  return MathAnswerHook(rule.require_marker);
}

}  // namespace entropix
