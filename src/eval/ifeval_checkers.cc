#include "eval/ifeval_checkers.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <regex>

#include "eval/json_fields.h"
#include "eval/language_id.h"
#include "tokenizer/utf8.h"

namespace entropix {
namespace {

using json = nlohmann::json;

// ------------------------------------------------------------ text helpers
// The reference checkers work on Python strings, where whitespace, word
// characters and letter case are Unicode-aware; these helpers follow that on
// UTF-8 (a byte that starts no valid sequence is taken as an uncased
// non-word, non-space character).

// Code points come from the one strict decoder (tokenizer/utf8.h); a byte
// that starts no valid sequence reads as kNotACodePoint, one byte long.
constexpr uint32_t kInvalid = kNotACodePoint;

// The code point that ends at s[end - 1]; *start gets where it begins.
uint32_t PrevCp(std::string_view s, size_t end, size_t* start) {
  size_t b = end - 1;
  while (b > 0 && end - b < 4 && (static_cast<uint8_t>(s[b]) & 0xC0) == 0x80) --b;
  size_t len;
  const uint32_t cp = DecodeUtf8Strict(s, b, &len);
  if (cp != kInvalid && b + len == end) {
    *start = b;
    return cp;
  }
  *start = end - 1;
  return kInvalid;
}

// str.isspace(): Unicode White_Space plus U+001C..U+001F.
bool IsSpaceCp(uint32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  return cp != kInvalid && IsWhitespace(UnicodeFlags(cp));
}

// Python's \w: letters, numbers, '_'.
bool IsWordCp(uint32_t cp) {
  if (cp < 0x80) return std::isalnum(static_cast<int>(cp)) || cp == '_';
  if (cp == kInvalid) return false;
  const uint8_t f = UnicodeFlags(cp);
  return IsLetter(f) || IsNumber(f);
}

// \w of the `regex` module, which NLTK's RegexpTokenizer (the reference's
// word counter) compiles with since NLTK 3.10: letters, marks, decimal digits,
// connector punctuation and the zero-width (non-)joiners.
bool IsTokenizerWordCp(uint32_t cp) {
  if (cp < 0x80 || cp == kInvalid) return IsWordCp(cp);
  if (cp == 0x200C || cp == 0x200D || cp == 0x203F || cp == 0x2040 || cp == 0x2054 || cp == 0xFE33 ||
      cp == 0xFE34 || (cp >= 0xFE4D && cp <= 0xFE4F) || cp == 0xFF3F) {
    return true;
  }
  const uint8_t f = UnicodeFlags(cp);
  if (IsNumber(f)) {  // not the other numbers (No): superscripts, fractions, circled digits
    const bool other = cp == 0xB2 || cp == 0xB3 || cp == 0xB9 || (cp >= 0xBC && cp <= 0xBE) ||
                       (cp >= 0x2070 && cp <= 0x2089) || (cp >= 0x2150 && cp <= 0x215F) ||
                       (cp >= 0x2460 && cp <= 0x24FF) || (cp >= 0x2776 && cp <= 0x2793);
    return !other;
  }
  return IsLetter(f) || (f & kUnicodeCategoryMask) == kUnicodeMark;
}

enum class Case { kNone, kUpper, kLower };

// Letter case and simple lowercase mapping for the scripts that show up in
// English instruction-following answers: ASCII, Latin-1, Latin Extended-A,
// Latin Extended Additional, the Romanian comma letters, Greek, Cyrillic,
// Armenian and fullwidth Latin. Other letters are treated as uncased.
Case CaseOf(uint32_t cp, uint32_t* lower) {
  *lower = cp;
  const auto upper_to = [&](uint32_t l) {
    *lower = l;
    return Case::kUpper;
  };
  // Alternating upper/lower pairs: `upper_is_even` says which one is upper.
  const auto pair = [&](bool upper_is_even) {
    return (cp % 2 == 0) == upper_is_even ? upper_to(cp + 1) : Case::kLower;
  };
  if (cp < 0x80) {
    if (cp >= 'A' && cp <= 'Z') return upper_to(cp + 32);
    return cp >= 'a' && cp <= 'z' ? Case::kLower : Case::kNone;
  }
  if (cp < 0x100) {
    if (cp == 0xAA || cp == 0xB5 || cp == 0xBA) return Case::kLower;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return upper_to(cp + 32);
    if (cp >= 0xDF && cp != 0xF7) return Case::kLower;
    return Case::kNone;
  }
  if (cp < 0x180) {
    if (cp == 0x130) return upper_to('i');
    if (cp == 0x178) return upper_to(0xFF);
    if (cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F) return Case::kLower;
    const bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    return pair(!odd_upper);
  }
  if (cp >= 0x218 && cp <= 0x21B) return pair(true);
  if (cp >= 0x386 && cp <= 0x3CE) {  // Greek
    if (cp == 0x386) return upper_to(0x3AC);
    if (cp >= 0x388 && cp <= 0x38A) return upper_to(cp + 37);
    if (cp == 0x38C) return upper_to(0x3CC);
    if (cp == 0x38E || cp == 0x38F) return upper_to(cp + 63);
    if ((cp >= 0x391 && cp <= 0x3A1) || (cp >= 0x3A3 && cp <= 0x3AB)) return upper_to(cp + 32);
    if (cp == 0x390 || cp >= 0x3AC) return Case::kLower;
    return Case::kNone;
  }
  if (cp >= 0x400 && cp < 0x530) {  // Cyrillic
    if (cp < 0x410) return upper_to(cp + 0x50);
    if (cp < 0x430) return upper_to(cp + 0x20);
    if (cp < 0x460) return Case::kLower;
    if (cp <= 0x481 || (cp >= 0x48A && cp <= 0x4BF) || cp >= 0x4D0) return pair(true);
    if (cp == 0x4C0) return upper_to(0x4CF);
    if (cp >= 0x4C1 && cp <= 0x4CE) return pair(false);
    if (cp == 0x4CF) return Case::kLower;
    return Case::kNone;
  }
  if (cp >= 0x531 && cp <= 0x556) return upper_to(cp + 0x30);  // Armenian
  if (cp >= 0x561 && cp <= 0x587) return Case::kLower;
  if (cp >= 0x1E00 && cp <= 0x1EFF) {
    if (cp == 0x1E9E) return upper_to(0xDF);
    if (cp >= 0x1E96 && cp <= 0x1E9F) return Case::kLower;
    return pair(true);
  }
  if (cp == 0x212A) return upper_to('k');   // KELVIN SIGN
  if (cp == 0x212B) return upper_to(0xE5);  // ANGSTROM SIGN
  if (cp >= 0xFF21 && cp <= 0xFF3A) return upper_to(cp + 0x20);
  if (cp >= 0xFF41 && cp <= 0xFF5A) return Case::kLower;
  return Case::kNone;
}

// str.lower() with the mapping above.
std::string Lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0, len; i < s.size(); i += len) {
    const uint32_t cp = DecodeUtf8Strict(s, i, &len);
    uint32_t lower;
    if (cp == kInvalid || CaseOf(cp, &lower) != Case::kUpper) {
      out.append(s.substr(i, len));
    } else {
      AppendUtf8(lower, &out);
    }
  }
  return out;
}

// str.isupper() / str.islower(): some cased letter, none of the other case.
bool AllCased(std::string_view s, bool upper) {
  bool any = false;
  for (size_t i = 0, len; i < s.size(); i += len) {
    uint32_t lower;
    const Case c = CaseOf(DecodeUtf8Strict(s, i, &len), &lower);
    if (c == Case::kNone) continue;
    if ((c == Case::kUpper) != upper) return false;
    any = true;
  }
  return any;
}

// str.strip(): Unicode whitespace at both ends.
std::string_view Trim(std::string_view s) {
  size_t len;
  while (!s.empty() && IsSpaceCp(DecodeUtf8Strict(s, 0, &len))) s.remove_prefix(len);
  size_t start;
  while (!s.empty() && IsSpaceCp(PrevCp(s, s.size(), &start))) s.remove_suffix(s.size() - start);
  return s;
}

bool IsWordAt(std::string_view s, size_t pos) {
  size_t len;
  return pos < s.size() && IsWordCp(DecodeUtf8Strict(s, pos, &len));
}
bool IsWordBefore(std::string_view s, size_t pos) {
  size_t start;
  return pos > 0 && IsWordCp(PrevCp(s, pos, &start));
}

// Non-overlapping case-insensitive occurrences of `needle`.
int CountSubstringNoCase(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return 0;
  const std::string h = Lower(hay), n = Lower(needle);
  int count = 0;
  for (size_t at = h.find(n); at != std::string::npos; at = h.find(n, at + n.size())) ++count;
  return count;
}

// Case-insensitive search for \b<word>\b (a regex word boundary: word
// character on exactly one side) at both ends.
bool ContainsWordNoCase(std::string_view hay, std::string_view word) {
  const std::string h = Lower(hay), w = Lower(word);
  const auto boundary = [&](size_t pos) { return IsWordBefore(h, pos) != IsWordAt(h, pos); };
  for (size_t at = h.find(w); at != std::string::npos; at = h.find(w, at + 1)) {
    if (boundary(at) && boundary(at + w.size())) return true;
    if (at >= h.size()) break;
  }
  return false;
}

// "less than": count < n; "at least": count >= n (IFEval's two relations).
bool Compare(int count, const std::string& relation, int n) {
  if (relation == "less than") return count < n;
  return count >= n;  // "at least"
}

std::vector<std::string_view> Split(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at = s.find(sep); at != std::string_view::npos; at = s.find(sep, start)) {
    parts.push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  parts.push_back(s.substr(start));
  return parts;
}

std::vector<std::string_view> Lines(std::string_view s) { return Split(s, "\n"); }

// The span matchers below stand in for the reference's regexes. They are
// hand-written because std::regex recurses once per character matched and
// overflows the stack on a long response (a stored one on --rescore, say).

// Calls f(content) for each match of the regex open[^c\n]*close (c = close's
// first character), found left to right without overlap, as re.findall
// does: "[...]" on one line, "*text*", "**text**". Linear time.
template <typename F>
void ForEachSpan(std::string_view s, std::string_view open, std::string_view close, F f) {
  const char stops[] = {close[0], '\n'};
  const std::string_view stop_set(stops, 2);
  // A candidate whose content starts at or before a failed stop fails alike.
  size_t failed_stop = std::string_view::npos;
  for (size_t i = s.find(open); i != std::string_view::npos;) {
    const size_t from = i + open.size();
    if (failed_stop != std::string_view::npos && from <= failed_stop) {
      i = s.find(open, i + 1);
      continue;
    }
    const size_t j = s.find_first_of(stop_set, from);
    if (j == std::string_view::npos) break;
    if (s.compare(j, close.size(), close) == 0) {
      f(s.substr(from, j - from));
      i = s.find(open, j + close.size());
    } else {
      failed_stop = j;
      i = s.find(open, i + 1);
    }
  }
}

// Python's \s and \d on ASCII, as the regexes they replace used them.
bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Matches of \s?<splitter>\s?\d+\s? (the splitter literal), left to right
// without overlap, as the reference counts sections.
int CountSections(std::string_view s, std::string_view splitter) {
  int n = 0;
  for (size_t i = 0; i < s.size();) {
    // Where the match ends, or npos: splitter at `at`, then \s?\d+\s?.
    const auto match_from = [&](size_t at) -> size_t {
      if (s.compare(at, splitter.size(), splitter) != 0) return std::string_view::npos;
      size_t p = at + splitter.size();
      if (p + 1 < s.size() && IsAsciiSpace(s[p]) && IsAsciiDigit(s[p + 1])) ++p;
      const size_t digits = p;
      while (p < s.size() && IsAsciiDigit(s[p])) ++p;
      if (p == digits) return std::string_view::npos;
      return p < s.size() && IsAsciiSpace(s[p]) ? p + 1 : p;
    };
    size_t end = IsAsciiSpace(s[i]) ? match_from(i + 1) : std::string_view::npos;
    if (end == std::string_view::npos) end = match_from(i);
    if (end == std::string_view::npos || end == i) {
      ++i;
      continue;
    }
    ++n;
    i = end;
  }
  return n;
}

// A match of <<[^\n]+>> whose text, without its angle brackets, is not
// blank. On each line the greedy match runs from the first "<<" to the last
// ">>" (later matches on the line would need another ">>").
bool HasTitle(std::string_view s) {
  for (std::string_view line : Split(s, "\n")) {
    const size_t open = line.find("<<"), close = line.rfind(">>");
    if (open == std::string_view::npos || close == std::string_view::npos || close < open + 3) continue;
    std::string_view t = line.substr(open, close + 2 - open);
    while (!t.empty() && t.front() == '<') t.remove_prefix(1);
    while (!t.empty() && t.back() == '>') t.remove_suffix(1);
    if (!Trim(t).empty()) return true;
  }
  return false;
}

std::string Str(const json& kw, const char* key) {
  auto it = kw.find(key);
  return it != kw.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int Int(const json& kw, const char* key) {
  auto it = kw.find(key);
  return it != kw.end() && it->is_number() ? it->get<int>() : 0;
}

// Skips whitespace (newlines included) from `pos`.
size_t SkipSpace(std::string_view s, size_t pos) {
  size_t len;
  while (pos < s.size() && IsSpaceCp(DecodeUtf8Strict(s, pos, &len))) pos += len;
  return pos;
}

// Markdown bullets, counted like the reference's two multi-line patterns
// "^\s*\*[^\*].*$" and "^\s*-.*$": from a line start, the first non-space
// character (blank lines may come between) is '*' followed by any character
// but '*', or is '-'. A '*' that ends its line takes the next line into the
// same match (so that line cannot start another '*' bullet).
int CountBullets(std::string_view r, bool stars) {
  const size_t n = r.size();
  int count = 0;
  size_t p = 0;  // a line start
  while (p < n) {
    const size_t q = SkipSpace(r, p);
    size_t end = std::string_view::npos;  // where a match ends
    if (stars && q + 1 < n && r[q] == '*' && r[q + 1] != '*') {
      size_t len;
      DecodeUtf8Strict(r, q + 1, &len);
      end = q + 1 + len;
    } else if (!stars && q < n && r[q] == '-') {
      end = q + 1;
    }
    if (end == std::string_view::npos) {  // line starts up to q fail alike: go past q's line
      const size_t nl = r.find('\n', q);
      if (nl == std::string_view::npos) break;
      p = nl + 1;
      continue;
    }
    ++count;
    end = std::min(r.find('\n', end), n);  // ".*$" (after a '\n' taken by [^*]: the next line)
    if (end >= n) break;
    // The next attempt starts at the first line start at or after `end`.
    p = r[end - 1] == '\n' ? end : end + 1;
  }
  return count;
}

// The reference's postscript patterns: literal pieces, each optionally
// followed by one whitespace character ("p\.\s?p\.\s?s", "p\.\s?s\.").
bool ContainsSpacedPieces(std::string_view lower, const std::vector<std::string_view>& pieces) {
  for (size_t at = lower.find(pieces[0]); at != std::string_view::npos; at = lower.find(pieces[0], at + 1)) {
    size_t pos = at + pieces[0].size();
    bool ok = true;
    for (size_t k = 1; k < pieces.size() && ok; ++k) {
      size_t len;
      if (pos < lower.size() && IsSpaceCp(DecodeUtf8Strict(lower, pos, &len))) pos += len;
      ok = lower.substr(pos, pieces[k].size()) == pieces[k];
      pos += pieces[k].size();
    }
    if (ok) return true;
  }
  return false;
}

// Words written in capitals, tokenised roughly like NLTK's word_tokenize
// (which the reference uses): words split at whitespace and at most
// punctuation, but hyphens, slashes, apostrophes and single periods inside a
// word keep it whole ("WELL-KNOWN", "U.S.A.", "AND/OR" are one word each),
// while an English clitic ('s 'm 'd 'll 're 've n't) is a word of its own
// ("DON'T" -> "DO" "N'T"). A word counts when it has an upper-case letter and
// no lower-case one (str.isupper()).
}  // namespace

int CountCapitalWords(std::string_view r) {
  static const std::string_view kSplitAscii = ",;:!?\"()[]{}<>*#@$%&`";
  static const uint32_t kSplitOther[] = {0x2018, 0x2019, 0x201C, 0x201D, 0xAB, 0xBB, 0x2013, 0x2014};
  static const std::string_view kClitics[] = {"'s", "'m", "'d", "'ll", "'re", "'ve", "n't"};
  int n = 0;
  const auto count_word = [&](std::string_view w) {
    while (!w.empty() && w.back() == '.') w.remove_suffix(1);  // a final period is a token of its own
    const std::string low = Lower(w);
    for (std::string_view c : kClitics) {
      if (low.size() > c.size() && std::string_view(low).substr(low.size() - c.size()) == c) {
        n += AllCased(w.substr(0, w.size() - c.size()), true) + AllCased(w.substr(w.size() - c.size()), true);
        return;
      }
    }
    n += AllCased(w, true);
  };
  size_t start = 0, i = 0;
  while (i < r.size()) {
    size_t len;
    const uint32_t cp = DecodeUtf8Strict(r, i, &len);
    const bool doubled = (cp == '.' || cp == '-') && i + 1 < r.size() && r[i + 1] == static_cast<char>(cp);
    const bool split = IsSpaceCp(cp) || doubled ||
                       (cp < 0x80 && kSplitAscii.find(static_cast<char>(cp)) != std::string_view::npos) ||
                       std::find(std::begin(kSplitOther), std::end(kSplitOther), cp) != std::end(kSplitOther);
    if (!split) {
      i += len;
      continue;
    }
    if (i > start) count_word(r.substr(start, i - start));
    if (doubled) {
      while (i < r.size() && r[i] == static_cast<char>(cp)) ++i;
    } else {
      i += len;
    }
    start = i;
  }
  if (i > start) count_word(r.substr(start, i - start));
  return n;
}

namespace {

// The reference splits paragraphs with re.split(r"\s?\*\*\*\s?", ...).
std::vector<std::string> SplitOnDividers(const std::string& s) {
  static const std::regex divider(R"(\s?\*\*\*\s?)");
  std::vector<std::string> parts;
  size_t start = 0;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), divider); it != std::sregex_iterator(); ++it) {
    parts.push_back(s.substr(start, it->position() - start));
    start = it->position() + it->length();
  }
  parts.push_back(s.substr(start));
  return parts;
}

using Checker = std::function<bool(const json&, std::string_view)>;

// The kinds of instruction arguments: a count (a non-negative integer), a
// relation ("less than" | "at least"), a text, a list of texts.
enum class Kwarg { kCount, kRelation, kText, kTexts };
struct KwargSpec {
  const char* key;
  Kwarg kind;
};

// One instruction: the arguments its checker reads (all required) and the
// checker, which may rely on them being there with their types.
struct Instruction {
  std::vector<KwargSpec> kwargs;
  Checker check;
};

const std::map<std::string, Instruction, std::less<>>& Checkers() {
  static const std::map<std::string, Instruction, std::less<>> table = {
      {"keywords:existence",
       {{{"keywords", Kwarg::kTexts}},
       [](const json& kw, std::string_view r) {
         if (!kw.contains("keywords")) return false;
         const std::string low = Lower(r);
         for (const auto& k : kw["keywords"]) {
           if (low.find(Lower(k.get<std::string>())) == std::string::npos) return false;
         }
         return true;
       }}},
      {"keywords:frequency",
       {{{"keyword", Kwarg::kText}, {"frequency", Kwarg::kCount}, {"relation", Kwarg::kRelation}},
       [](const json& kw, std::string_view r) {
         return Compare(CountSubstringNoCase(r, Trim(Str(kw, "keyword"))), Str(kw, "relation"), Int(kw, "frequency"));
       }}},
      {"keywords:forbidden_words",
       {{{"forbidden_words", Kwarg::kTexts}},
       [](const json& kw, std::string_view r) {
         if (!kw.contains("forbidden_words")) return true;
         for (const auto& w : kw["forbidden_words"]) {
           if (ContainsWordNoCase(r, w.get<std::string>())) return false;
         }
         return true;
       }}},
      {"keywords:letter_frequency",
       {{{"letter", Kwarg::kText}, {"let_frequency", Kwarg::kCount}, {"let_relation", Kwarg::kRelation}},
       [](const json& kw, std::string_view r) {
         const std::string letter = Lower(Trim(Str(kw, "letter")));
         if (letter.empty()) return false;
         const std::string low = Lower(r);
         const int count = static_cast<int>(std::count(low.begin(), low.end(), letter[0]));
         return Compare(count, Str(kw, "let_relation"), Int(kw, "let_frequency"));
       }}},
      {"language:response_language",
       {{{"language", Kwarg::kText}},
       [](const json& kw, std::string_view r) {
         // As the reference: text without letters (its detector raises) passes.
         const LanguageGuess guess = DetectLanguage(r);
         return !guess.has_letters || guess.code == Str(kw, "language");
       }}},
      {"length_constraints:number_sentences",
       {{{"num_sentences", Kwarg::kCount}, {"relation", Kwarg::kRelation}},
       [](const json& kw, std::string_view r) {
         return Compare(CountSentences(r), Str(kw, "relation"), Int(kw, "num_sentences"));
       }}},
      {"length_constraints:number_words",
       {{{"num_words", Kwarg::kCount}, {"relation", Kwarg::kRelation}},
       [](const json& kw, std::string_view r) {
         return Compare(CountWords(r), Str(kw, "relation"), Int(kw, "num_words"));
       }}},
      {"length_constraints:number_paragraphs",
       {{{"num_paragraphs", Kwarg::kCount}},
       [](const json& kw, std::string_view r) {
         // Paragraphs are separated by the markdown divider "***" (with an
         // optional whitespace character on either side). An empty paragraph
         // is allowed only at the very start or end.
         const auto parts = SplitOnDividers(std::string(r));
         int n = static_cast<int>(parts.size());
         for (size_t i = 0; i < parts.size(); ++i) {
           if (Trim(parts[i]).empty()) {
             if (i == 0 || i + 1 == parts.size()) --n;
             else return false;
           }
         }
         return n == Int(kw, "num_paragraphs");
       }}},
      {"length_constraints:nth_paragraph_first_word",
       {{{"num_paragraphs", Kwarg::kCount}, {"nth_paragraph", Kwarg::kCount}, {"first_word", Kwarg::kText}},
       [](const json& kw, std::string_view r) {
         // Paragraphs are separated by a blank line ("\n\n"); the count of
         // non-empty paragraphs must equal num_paragraphs, and the nth part
         // (n at most that count) must start with first_word: its first
         // whitespace-delimited word, leading ' then leading " removed, up to
         // the first . , ? ! ' or ", compared case-insensitively.
         const auto parts = Split(r, "\n\n");
         int non_empty = 0;
         for (auto p : parts) non_empty += Trim(p).empty() ? 0 : 1;
         const int nth = Int(kw, "nth_paragraph");
         if (nth < 1 || nth > non_empty) return false;
         const std::string_view para = Trim(parts[nth - 1]);
         if (para.empty()) return false;
         size_t end = 0, len;
         while (end < para.size() && !IsSpaceCp(DecodeUtf8Strict(para, end, &len))) end += len;
         std::string_view word = para.substr(0, end);
         while (!word.empty() && word.front() == '\'') word.remove_prefix(1);
         while (!word.empty() && word.front() == '"') word.remove_prefix(1);
         const size_t stop = word.find_first_of(".,?!'\"");
         return non_empty == Int(kw, "num_paragraphs") && Lower(word.substr(0, stop)) == Lower(Str(kw, "first_word"));
       }}},
      {"detectable_content:number_placeholders",
       {{{"num_placeholders", Kwarg::kCount}},
       [](const json& kw, std::string_view r) {
         // [...] on one line.
         int n = 0;
         ForEachSpan(r, "[", "]", [&](std::string_view) { ++n; });
         return n >= Int(kw, "num_placeholders");
       }}},
      {"detectable_content:postscript",
       {{{"postscript_marker", Kwarg::kText}},
       [](const json& kw, std::string_view r) {
         const std::string marker(Trim(Str(kw, "postscript_marker")));
         const std::string low = Lower(r);
         if (marker == "P.P.S") return ContainsSpacedPieces(low, {"p.", "p.", "s"});
         if (marker == "P.S.") return ContainsSpacedPieces(low, {"p.", "s."});
         return low.find(Lower(marker)) != std::string::npos;  // other markers: as plain text
       }}},
      {"detectable_format:number_bullet_lists",
       {{{"num_bullets", Kwarg::kCount}},
       [](const json& kw, std::string_view r) {
         return CountBullets(r, true) + CountBullets(r, false) == Int(kw, "num_bullets");
       }}},
      {"detectable_format:constrained_response",
       {{},
       [](const json&, std::string_view r) {
         for (const char* option : {"My answer is yes.", "My answer is no.", "My answer is maybe."}) {
           if (Trim(r).find(option) != std::string_view::npos) return true;
         }
         return false;
       }}},
      {"detectable_format:number_highlighted_sections",
       {{{"num_highlights", Kwarg::kCount}},
       [](const json& kw, std::string_view r) {
         // *text* and **text** spans on one line with non-empty text
         // (counted separately, as the reference's two regexes do).
         int n = 0;
         const auto count = [&](std::string_view text) { n += Trim(text).empty() ? 0 : 1; };
         ForEachSpan(r, "*", "*", count);
         ForEachSpan(r, "**", "**", count);
         return n >= Int(kw, "num_highlights");
       }}},
      {"detectable_format:multiple_sections",
       {{{"section_spliter", Kwarg::kText}, {"num_sections", Kwarg::kCount}},
       [](const json& kw, std::string_view r) {
         // Sections start with "<splitter> <number>", e.g. "SECTION 1".
         const std::string spliter_arg = Str(kw, "section_spliter");
         return CountSections(r, Trim(spliter_arg)) >= Int(kw, "num_sections");
       }}},
      {"detectable_format:json_format",
       {{},
       [](const json&, std::string_view r) {
         // Optional ``` fences (```json, ```Json, ```JSON), then one JSON
         // value. Unlike Python's json module we do not accept NaN/Infinity.
         std::string_view s = Trim(r);
         for (std::string_view fence : {"```json", "```Json", "```JSON", "```"}) {
           if (s.substr(0, fence.size()) == fence) s.remove_prefix(fence.size());
         }
         if (s.size() >= 3 && s.substr(s.size() - 3) == "```") s.remove_suffix(3);
         s = Trim(s);
         if (s.substr(0, 3) == "\xEF\xBB\xBF") return false;  // a byte-order mark is not JSON
         return json::accept(s);
       }}},
      {"detectable_format:title",
       {{},
       [](const json&, std::string_view r) {
         // <<title>> on one line, non-empty once the angle brackets are gone.
         return HasTitle(r);
       }}},
      {"combination:two_responses",
       {{},
       [](const json&, std::string_view r) {
         // Two different responses separated by six asterisks.
         const auto parts = Split(r, "******");
         std::vector<std::string_view> valid;
         for (size_t i = 0; i < parts.size(); ++i) {
           if (Trim(parts[i]).empty()) {
             if (i != 0 && i + 1 != parts.size()) return false;
           } else {
             valid.push_back(Trim(parts[i]));
           }
         }
         return valid.size() == 2 && valid[0] != valid[1];
       }}},
      {"combination:repeat_prompt",
       {{{"prompt_to_repeat", Kwarg::kText}},
       [](const json& kw, std::string_view r) {
         const std::string want = Lower(Trim(Str(kw, "prompt_to_repeat")));
         return Lower(Trim(r)).starts_with(want);
       }}},
      {"startend:end_checker",
       {{{"end_phrase", Kwarg::kText}},
       [](const json& kw, std::string_view r) {
         std::string_view s = Trim(r);
         while (!s.empty() && s.front() == '"') s.remove_prefix(1);
         while (!s.empty() && s.back() == '"') s.remove_suffix(1);
         return Lower(s).ends_with(Lower(Trim(Str(kw, "end_phrase"))));
       }}},
      {"startend:quotation",
       {{},
       [](const json&, std::string_view r) {
         const std::string_view s = Trim(r);
         return s.size() > 1 && s.front() == '"' && s.back() == '"';
       }}},
      {"change_case:capital_word_frequency",
       {{{"capital_frequency", Kwarg::kCount}, {"capital_relation", Kwarg::kRelation}},
       [](const json& kw, std::string_view r) {
         return Compare(CountCapitalWords(r), Str(kw, "capital_relation"), Int(kw, "capital_frequency"));
       }}},
      {"change_case:english_capital",
       {{}, [](const json&, std::string_view r) { return AllCased(r, true); }}},
      {"change_case:english_lowercase",
       {{}, [](const json&, std::string_view r) { return AllCased(r, false); }}},
      {"punctuation:no_comma",
       {{},
       [](const json&, std::string_view r) { return r.find(',') == std::string_view::npos; }}},
  };
  return table;
}

}  // namespace

// Runs of word characters, as the reference's RegexpTokenizer(r"\w+") finds them.
int CountWords(std::string_view text) {
  int n = 0;
  bool in_word = false;
  for (size_t i = 0, len; i < text.size(); i += len) {
    const bool w = IsTokenizerWordCp(DecodeUtf8Strict(text, i, &len));
    if (w && !in_word) ++n;
    in_word = w;
  }
  return n;
}

namespace {

// After an ellipsis Punkt starts a new sentence only before a word that its
// English statistics mark as a sentence opener. These capitalised openers
// (case and a trailing clitic aside) stand in for those statistics; the list
// agrees with Punkt on 98% of the 1,742 ellipses in SmolLM2's IFEval answers.
bool StartsSentenceAfterEllipsis(std::string_view rest) {
  static const std::string_view kOpeners[] = {"the",  "this", "these", "it",   "i",       "he",   "they",
                                              "there", "here", "your",  "in",   "but",     "so",   "when",
                                              "if",   "many", "however", "thus", "finally", "please", "thank"};
  uint32_t lower;
  size_t len;
  if (rest.empty() || CaseOf(DecodeUtf8Strict(rest, 0, &len), &lower) != Case::kUpper) return false;
  size_t end = 0;
  while (end < rest.size() && std::isalpha(static_cast<unsigned char>(rest[end]))) ++end;
  const std::string word = Lower(rest.substr(0, end));
  return std::find(std::begin(kOpeners), std::end(kOpeners), word) != std::end(kOpeners);
}

}  // namespace

// A sentence ends at a run of '.', '!' or '?' (closing quotes or brackets may
// follow) that is followed by whitespace or the end of the text, except
// after an abbreviation (Mr., Dr., U.S., ...) or a single capital initial,
// and except at an ellipsis (two or more periods) unless a common sentence
// opener follows it. A final sentence without
// a terminator counts too. The reference uses NLTK's Punkt model, trained on
// word statistics we do not ship; this is close on prose (see
// tests/unit/eval/ifeval_reference_test.cc for the measured agreement).
int CountSentences(std::string_view text) {
  static const char* kAbbrev[] = {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "inc", "ltd", "co", "u.s"};
  static const uint32_t kClosers[] = {'"', '\'', ')', ']', '}', 0x2019, 0x201D, 0xBB};
  int n = 0;
  bool pending = false;  // a sentence has started and not ended
  for (size_t i = 0, len; i < text.size(); i += len) {
    const uint32_t cp = DecodeUtf8Strict(text, i, &len);
    if (cp != '.' && cp != '!' && cp != '?') {
      if (!IsSpaceCp(cp)) pending = true;
      continue;
    }
    size_t j = i;  // the run of terminators
    while (j < text.size() && (text[j] == '.' || text[j] == '!' || text[j] == '?')) ++j;
    const std::string_view run = text.substr(i, j - i);
    size_t k = j, clen;
    while (k < text.size() &&
           std::find(std::begin(kClosers), std::end(kClosers), DecodeUtf8Strict(text, k, &clen)) != std::end(kClosers)) {
      k += clen;
    }
    const bool at_end = k >= text.size() || IsSpaceCp(DecodeUtf8Strict(text, k, &clen));
    bool ellipsis = run.find_first_not_of('.') == std::string_view::npos && run.size() > 1;
    if (ellipsis && at_end) ellipsis = !StartsSentenceAfterEllipsis(text.substr(SkipSpace(text, k)));
    bool abbreviation = false;
    if (run == ".") {
      size_t b = i;
      while (b > 0 && (std::isalpha(static_cast<unsigned char>(text[b - 1])) || text[b - 1] == '.')) --b;
      const std::string word = Lower(text.substr(b, i - b));
      for (const char* a : kAbbrev) abbreviation |= word == a;
      abbreviation |= word.size() == 1 && std::isupper(static_cast<unsigned char>(text[b]));
    }
    if (at_end && pending && !abbreviation && !ellipsis) {
      ++n;
      pending = false;
    }
    len = k - i;
  }
  return n + (pending ? 1 : 0);
}

const std::vector<std::string>& CheckedInstructionIds() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> v;
    for (const auto& [id, _] : Checkers()) v.push_back(id);
    return v;
  }();
  return ids;
}

void CheckKwargs(std::string_view id, const JsonFields& kwargs) {
  const auto it = Checkers().find(id);
  if (it == Checkers().end()) return;  // not checked: skipped when scoring
  const std::vector<KwargSpec>& spec = it->second.kwargs;
  if (!kwargs.value().is_object() && !kwargs.value().is_null()) kwargs.Fail("the arguments must be an object");
  for (const auto& item : kwargs.value().items()) {
    const std::string& key = item.key();
    const bool known = item.value().is_null() || std::any_of(spec.begin(), spec.end(), [&](const KwargSpec& s) {
                         return key == s.key;
                       });
    if (!known) kwargs.Fail("field '" + kwargs.Name(key) + "' is not an argument of " + std::string(id));
  }
  for (const KwargSpec& s : spec) {
    switch (s.kind) {
      case Kwarg::kCount:
        kwargs.Integer(s.key, 0, std::numeric_limits<int32_t>::max());
        break;
      case Kwarg::kRelation:
        if (const std::string r = kwargs.String(s.key); r != "less than" && r != "at least") {
          kwargs.Fail("field '" + kwargs.Name(s.key) + "' must be \"less than\" or \"at least\", not \"" + r + "\"");
        }
        break;
      case Kwarg::kText:
        kwargs.String(s.key);
        break;
      case Kwarg::kTexts:
        kwargs.Strings(s.key);
        break;
    }
  }
}

CheckResult CheckInstruction(std::string_view id, const nlohmann::json& kwargs, std::string_view response) {
  const auto it = Checkers().find(id);
  if (it == Checkers().end()) return CheckResult::kSkipped;
  // Data files are checked when they are read; this keeps a malformed
  // instruction from ever counting as followed when called directly.
  CheckKwargs(id, JsonFields(kwargs, "IFEval instruction '" + std::string(id) + "'"));
  json kw = json::object();
  if (kwargs.is_object()) {
    for (auto [k, v] : kwargs.items()) {
      if (!v.is_null()) kw[k] = v;
    }
  }
  return it->second.check(kw, response) ? CheckResult::kFollowed : CheckResult::kNotFollowed;
}

CheckResult CheckStrict(std::string_view id, const nlohmann::json& kwargs, std::string_view response) {
  if (Trim(response).empty()) {
    return Checkers().count(id) ? CheckResult::kNotFollowed : CheckResult::kSkipped;
  }
  return CheckInstruction(id, kwargs, response);
}

std::vector<std::string> LooseVariants(std::string_view response) {
  const auto lines = Lines(response);
  auto join = [&](size_t from, size_t to) {
    std::string out;
    for (size_t i = from; i < to; ++i) {
      if (i > from) out += '\n';
      out += lines[i];
    }
    return std::string(Trim(out));
  };
  const size_t n = lines.size();
  std::vector<std::string> base = {std::string(response), n > 1 ? join(1, n) : std::string(),
                                   n > 1 ? join(0, n - 1) : std::string(), n > 2 ? join(1, n - 1) : std::string()};
  std::vector<std::string> out = base;
  for (const auto& b : base) {
    std::string s = b;
    s.erase(std::remove(s.begin(), s.end(), '*'), s.end());
    out.push_back(s);
  }
  return out;
}

CheckResult CheckLoose(std::string_view id, const nlohmann::json& kwargs, std::string_view response) {
  if (!Checkers().count(id)) return CheckResult::kSkipped;
  for (const auto& v : LooseVariants(response)) {
    if (!Trim(v).empty() && CheckInstruction(id, kwargs, v) == CheckResult::kFollowed) return CheckResult::kFollowed;
  }
  return CheckResult::kNotFollowed;
}

}  // namespace entropix
