// "What is the answer of this response?": the question the vote asks of
// every trace. Tasks plug in their own extractor (eval's task knows its
// format); the default is the project's GSM8K rule (text/answer_extract.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Which of `candidates` the response names first (a comparison's answer:
// "9.9 is larger than 9.11" answers 9.9); nullopt when it names neither.
std::optional<Answer> FirstCandidateAnswer(std::string_view response, const std::vector<std::string>& candidates);

// How an item's responses are read, as data: an evaluation task gives one per
// item (Task::VoteAnswerRule, the same reading its scorer uses), a trace
// pool stores it with the item, and replay rebuilds the hook from it.
struct AnswerRule {
  enum class Kind {
    kNone,   // open-ended: no answer (the vote falls back to best-of-N)
    kMath,   // ExtractMathAnswer(response, require_marker)
    kFirst,  // FirstCandidateAnswer(response, candidates)
  };
  Kind kind = Kind::kMath;
  bool require_marker = false;
  std::vector<std::string> candidates;
  bool operator==(const AnswerRule&) const = default;
};
AnswerHook RuleAnswerHook(const AnswerRule& rule);

}  // namespace entropix
