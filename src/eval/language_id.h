// Language identification for IFEval's language:response_language, with
// CLD2 (Compact Language Detector 2, Debian's libcld2-dev): the reference
// uses Python's langdetect, which we do not ship. Both guess even on a few
// words; they agree on clear text and may not on short or garbled text.
#pragma once

#include <string>
#include <string_view>

namespace entropix {

struct LanguageGuess {
  std::string code;          // ISO 639-1 ("en", "hi", "he"); "un" when CLD2 cannot guess
  bool has_letters = false;  // false: nothing to identify (digits, punctuation)
};

// The most likely language of `text` (UTF-8; bytes after the first invalid
// sequence are ignored).
LanguageGuess DetectLanguage(std::string_view text);

}  // namespace entropix
