#include "eval/language_id.h"

#include <algorithm>
#include <climits>
#include <string>
#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <vector>

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

namespace CLD2 {
// Exported by libcld2 but declared only in its internal lang_script.h.
const char* LanguageCode(Language lang);
}  // namespace CLD2

namespace entropix {
namespace {

// CLD2 keeps a few pre-1989 ISO 639 codes; IFEval (and langdetect) use the
// current ones.
std::string CurrentCode(const char* cld2_code) {
  const std::string code = cld2_code ? cld2_code : "un";
  if (code == "iw") return "he";
  if (code == "in") return "id";
  if (code == "ji") return "yi";
  return code;
}

}  // namespace

LanguageGuess DetectLanguage(std::string_view input) {
  // A padded copy: CLD2 scans in words and may look a few bytes past a
  // truncated character at the end.
  const int length = static_cast<int>(std::min<size_t>(input.size(), INT_MAX - 64));
  std::string text(input.substr(0, static_cast<size_t>(length)));
  text.append(32, '\0');
  CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  CLD2::Language top3[3];
  int percent3[3], text_bytes = 0, valid_prefix = 0;
  double scores3[3];
  bool reliable = false;
  // Best effort: a guess even on short or repetitive text (as langdetect
  // always guesses; without the flag CLD2 answers UNKNOWN for "Hola" and for
  // a looping answer in the right script). On invalid UTF-8 the call stops
  // at once and reports the valid prefix, which is then identified instead.
  auto detect = [&](int n) {
    return CLD2::ExtDetectLanguageSummaryCheckUTF8(text.data(), n, /*is_plain_text=*/true, &hints, CLD2::kCLDFlagBestEffort, top3,
                                                   percent3, scores3, /*resultchunkvector=*/nullptr, &text_bytes,
                                                   &reliable, &valid_prefix);
  };
  detect(length);
  if (valid_prefix < length) detect(valid_prefix);
  // The language with the largest share of the text. Not the call's return
  // value: for web pages CLD2 prefers a second language over English
  // boilerplate, so "...in English...: नमस्ते" would be called Hindi.
  return {CurrentCode(CLD2::LanguageCode(top3[0])), text_bytes > 0};
}

}  // namespace entropix
