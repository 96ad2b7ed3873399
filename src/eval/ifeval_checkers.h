// IFEval instruction checkers (Zhou et al. 2023, arXiv:2311.07911),
// written from the paper's and the reference checker's documented rules.
//
// Each checker answers: does `response` follow instruction `id` with its
// keyword arguments? language:response_language uses CLD2
// (eval/language_id.h) where the reference uses langdetect.
// change_case:english_capital / english_lowercase check the case only; their
// "in English" part is not verified (docs/EVALUATION.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace entropix {

enum class CheckResult { kFollowed, kNotFollowed, kSkipped };

// kwargs: the instruction's argument object from input_data.jsonl
// (null-valued fields are ignored); malformed ones raise Error (see
// CheckKwargs). Unknown ids return kSkipped.
CheckResult CheckInstruction(std::string_view id, const nlohmann::json& kwargs, std::string_view response);

class JsonFields;

// Checks instruction `id`'s arguments: each one its checker reads is present
// with its type (counts: non-negative integers; relations: "less than" or
// "at least"; texts; lists of texts), and there is no other non-null one.
// Raises Error(kCorruptFile) "WHERE: field 'num_words' must be ..." otherwise,
// so that a malformed instruction is refused, never scored as followed.
// Ids this build does not check pass (they are skipped when scoring).
void CheckKwargs(std::string_view id, const JsonFields& kwargs);

// The instruction ids this build checks (all 25 of IFEval's).
const std::vector<std::string>& CheckedInstructionIds();

// The loose variants of a response: itself, without its first line, without
// its last line, without both (those three stripped of surrounding
// whitespace), and each of the four with every '*' removed.
std::vector<std::string> LooseVariants(std::string_view response);

// Strict: the response as is. Loose: any non-empty variant passes.
CheckResult CheckStrict(std::string_view id, const nlohmann::json& kwargs, std::string_view response);
CheckResult CheckLoose(std::string_view id, const nlohmann::json& kwargs, std::string_view response);

// Helpers exposed for tests.
int CountWords(std::string_view text);      // runs of word characters (see ifeval_checkers.cc)
int CountSentences(std::string_view text);  // see ifeval_checkers.cc
int CountCapitalWords(std::string_view text);  // see ifeval_checkers.cc

}  // namespace entropix
