#include "eval/ifeval_checkers.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <regex>

namespace entropix {
namespace {

using json = nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

int CountSubstringNoCase(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return 0;
  const std::string h = Lower(hay), n = Lower(needle);
  int count = 0;
  for (size_t at = h.find(n); at != std::string::npos; at = h.find(n, at + n.size())) ++count;
  return count;
}

// Whole-word occurrence, case-insensitive (word boundaries at both ends).
bool ContainsWordNoCase(std::string_view hay, std::string_view word) {
  const std::string h = Lower(hay), w = Lower(Trim(word));
  if (w.empty()) return false;
  for (size_t at = h.find(w); at != std::string::npos; at = h.find(w, at + 1)) {
    const bool left = at == 0 || !IsWordChar(h[at - 1]) || !IsWordChar(w.front());
    const size_t end = at + w.size();
    const bool right = end >= h.size() || !IsWordChar(h[end]) || !IsWordChar(w.back());
    if (left && right) return true;
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

int CountMatches(const std::string& text, const std::regex& re) {
  return static_cast<int>(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

std::string Str(const json& kw, const char* key) {
  auto it = kw.find(key);
  return it != kw.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int Int(const json& kw, const char* key) {
  auto it = kw.find(key);
  return it != kw.end() && it->is_number() ? it->get<int>() : 0;
}

bool HasCased(std::string_view s, bool upper) {
  bool any = false;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalpha(u)) {
      any = true;
      if (upper ? std::islower(u) : std::isupper(u)) return false;
    }
  }
  return any;
}

using Checker = std::function<bool(const json&, std::string_view)>;

const std::map<std::string, Checker, std::less<>>& Checkers() {
  static const std::map<std::string, Checker, std::less<>> table = {
      {"keywords:existence",
       [](const json& kw, std::string_view r) {
         if (!kw.contains("keywords")) return false;
         for (const auto& k : kw["keywords"]) {
           if (CountSubstringNoCase(r, k.get<std::string>()) == 0) return false;
         }
         return true;
       }},
      {"keywords:frequency",
       [](const json& kw, std::string_view r) {
         return Compare(CountSubstringNoCase(r, Str(kw, "keyword")), Str(kw, "relation"), Int(kw, "frequency"));
       }},
      {"keywords:forbidden_words",
       [](const json& kw, std::string_view r) {
         if (!kw.contains("forbidden_words")) return true;
         for (const auto& w : kw["forbidden_words"]) {
           if (ContainsWordNoCase(r, w.get<std::string>())) return false;
         }
         return true;
       }},
      {"keywords:letter_frequency",
       [](const json& kw, std::string_view r) {
         const std::string letter = Lower(Str(kw, "letter"));
         if (letter.empty()) return false;
         const std::string low = Lower(r);
         const int count = static_cast<int>(std::count(low.begin(), low.end(), letter[0]));
         return Compare(count, Str(kw, "let_relation"), Int(kw, "let_frequency"));
       }},
      {"length_constraints:number_sentences",
       [](const json& kw, std::string_view r) {
         return Compare(CountSentences(r), Str(kw, "relation"), Int(kw, "num_sentences"));
       }},
      {"length_constraints:number_words",
       [](const json& kw, std::string_view r) {
         return Compare(CountWords(r), Str(kw, "relation"), Int(kw, "num_words"));
       }},
      {"length_constraints:number_paragraphs",
       [](const json& kw, std::string_view r) {
         // Paragraphs are separated by the markdown divider "***" (with an
         // optional whitespace character on either side). An empty paragraph
         // is allowed only at the very start or end.
         static const std::regex divider(R"(\s?\*\*\*\s?)");
         const std::string s(r);
         std::vector<std::string> parts(std::sregex_token_iterator(s.begin(), s.end(), divider, -1),
                                        std::sregex_token_iterator());
         // (A trailing empty part is dropped by the iterator; it would not count anyway.)
         int n = static_cast<int>(parts.size());
         for (size_t i = 0; i < parts.size(); ++i) {
           if (Trim(parts[i]).empty()) {
             if (i == 0 || i + 1 == parts.size()) --n;
             else return false;
           }
         }
         return n == Int(kw, "num_paragraphs");
       }},
      {"length_constraints:nth_paragraph_first_word",
       [](const json& kw, std::string_view r) {
         // Paragraphs are separated by a blank line ("\n\n"); the count of
         // non-empty paragraphs must equal num_paragraphs, and the nth one
         // must start with first_word (leading quotes and trailing
         // punctuation ignored, case-insensitive).
         const auto parts = Split(r, "\n\n");
         int non_empty = 0;
         for (auto p : parts) non_empty += Trim(p).empty() ? 0 : 1;
         const int nth = Int(kw, "nth_paragraph");
         if (nth < 1 || nth > static_cast<int>(parts.size())) return false;
         std::string_view para = Trim(parts[nth - 1]);
         if (para.empty()) return false;
         std::string_view word = para.substr(0, para.find_first_of(" \t\n\r"));
         while (!word.empty() && (word.front() == '\'' || word.front() == '"')) word.remove_prefix(1);
         std::string first;
         for (char c : word) {
           if (c == '.' || c == ',' || c == '?' || c == '!' || c == '\'' || c == '"') break;
           first += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
         }
         return non_empty == Int(kw, "num_paragraphs") && first == Lower(Str(kw, "first_word"));
       }},
      {"detectable_content:number_placeholders",
       [](const json& kw, std::string_view r) {
         static const std::regex re(R"(\[[^\]]*\])");
         return CountMatches(std::string(r), re) >= Int(kw, "num_placeholders");
       }},
      {"detectable_content:postscript",
       [](const json& kw, std::string_view r) {
         const std::string marker = Str(kw, "postscript_marker");
         std::regex re;
         if (marker == "P.P.S") re = std::regex(R"(p\.\s?p\.\s?s)");
         else if (marker == "P.S.") re = std::regex(R"(p\.\s?s\.)");
         else return Lower(r).find(Lower(marker)) != std::string::npos;
         return std::regex_search(Lower(r), re);
       }},
      {"detectable_format:number_bullet_lists",
       [](const json& kw, std::string_view r) {
         // Markdown bullets: lines starting (after spaces) with "* " style
         // "*" not followed by another "*", or with "-".
         int n = 0;
         for (auto line : Lines(r)) {
           size_t i = line.find_first_not_of(" \t");
           if (i == std::string_view::npos) continue;
           if (line[i] == '-') ++n;
           else if (line[i] == '*' && i + 1 < line.size() && line[i + 1] != '*') ++n;
         }
         return n == Int(kw, "num_bullets");
       }},
      {"detectable_format:constrained_response",
       [](const json&, std::string_view r) {
         for (const char* option : {"My answer is yes.", "My answer is no.", "My answer is maybe."}) {
           if (Trim(r).find(option) != std::string_view::npos) return true;
         }
         return false;
       }},
      {"detectable_format:number_highlighted_sections",
       [](const json& kw, std::string_view r) {
         // *text* and **text** spans on one line with non-empty text.
         static const std::regex single(R"(\*[^\n\*]*\*)"), dbl(R"(\*\*[^\n\*]*\*\*)");
         const std::string s(r);
         int n = 0;
         for (const std::regex* re : {&single, &dbl}) {
           for (auto it = std::sregex_iterator(s.begin(), s.end(), *re); it != std::sregex_iterator(); ++it) {
             std::string_view m(it->str());
             while (!m.empty() && m.front() == '*') m.remove_prefix(1);
             while (!m.empty() && m.back() == '*') m.remove_suffix(1);
             if (!Trim(m).empty()) ++n;
           }
         }
         return n >= Int(kw, "num_highlights");
       }},
      {"detectable_format:multiple_sections",
       [](const json& kw, std::string_view r) {
         // Sections start with "<splitter> <number>", e.g. "SECTION 1".
         const std::string splitter = Str(kw, "section_spliter");
         std::string escaped;
         for (char c : splitter) {
           if (std::string_view(R"(\^$.|?*+()[]{})").find(c) != std::string_view::npos) escaped += '\\';
           escaped += c;
         }
         const std::regex re("\\s?" + escaped + "\\s?\\d+\\s?");
         return CountMatches(std::string(r), re) >= Int(kw, "num_sections");
       }},
      {"detectable_format:json_format",
       [](const json&, std::string_view r) {
         std::string_view s = Trim(r);
         for (std::string_view fence : {"```json", "```Json", "```JSON", "```"}) {
           if (s.substr(0, fence.size()) == fence) {
             s.remove_prefix(fence.size());
             break;
           }
         }
         if (s.size() >= 3 && s.substr(s.size() - 3) == "```") s.remove_suffix(3);
         s = Trim(s);
         return json::accept(s);
       }},
      {"detectable_format:title",
       [](const json&, std::string_view r) {
         static const std::regex re(R"(<<[^\n]+>>)");
         const std::string s(r);
         for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
           const std::string m = it->str();
           if (!Trim(std::string_view(m).substr(2, m.size() - 4)).empty()) return true;
         }
         return false;
       }},
      {"combination:two_responses",
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
       }},
      {"combination:repeat_prompt",
       [](const json& kw, std::string_view r) {
         const std::string want = Lower(Trim(Str(kw, "prompt_to_repeat")));
         return Lower(Trim(r)).starts_with(want);
       }},
      {"startend:end_checker",
       [](const json& kw, std::string_view r) {
         std::string_view s = Trim(r);
         while (!s.empty() && s.front() == '"') s.remove_prefix(1);
         while (!s.empty() && s.back() == '"') s.remove_suffix(1);
         return Lower(s).ends_with(Lower(Trim(Str(kw, "end_phrase"))));
       }},
      {"startend:quotation",
       [](const json&, std::string_view r) {
         const std::string_view s = Trim(r);
         return s.size() > 1 && s.front() == '"' && s.back() == '"';
       }},
      {"change_case:capital_word_frequency",
       [](const json& kw, std::string_view r) {
         // Words written entirely in capitals (at least one letter).
         int n = 0;
         size_t i = 0;
         while (i < r.size()) {
           if (!IsWordChar(r[i])) {
             ++i;
             continue;
           }
           size_t j = i;
           while (j < r.size() && IsWordChar(r[j])) ++j;
           if (HasCased(r.substr(i, j - i), /*upper=*/true)) ++n;
           i = j;
         }
         return Compare(n, Str(kw, "capital_relation"), Int(kw, "capital_frequency"));
       }},
      {"change_case:english_capital", [](const json&, std::string_view r) { return HasCased(r, true); }},
      {"change_case:english_lowercase", [](const json&, std::string_view r) { return HasCased(r, false); }},
      {"punctuation:no_comma",
       [](const json&, std::string_view r) { return r.find(',') == std::string_view::npos; }},
  };
  return table;
}

}  // namespace

int CountWords(std::string_view text) {
  int n = 0;
  bool in_word = false;
  for (char c : text) {
    const bool w = IsWordChar(c);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return n;
}

// A sentence ends at a run of '.', '!' or '?' that is followed by whitespace
// or the end of the text, except after common abbreviations (Mr., Dr., e.g.,
// ...) and single capital initials. A final sentence without a terminator
// counts too. Simpler than the reference's regex splitter; close on prose.
int CountSentences(std::string_view text) {
  static const char* kAbbrev[] = {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co"};
  int n = 0;
  bool pending = false;  // a sentence has started and not ended
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' || c == '!' || c == '?') {
      size_t j = i;
      while (j + 1 < text.size() && (text[j + 1] == '.' || text[j + 1] == '!' || text[j + 1] == '?')) ++j;
      const bool at_end = j + 1 >= text.size() || std::isspace(static_cast<unsigned char>(text[j + 1]));
      bool abbreviation = false;
      if (c == '.' && j == i) {
        size_t k = i;
        while (k > 0 && (std::isalpha(static_cast<unsigned char>(text[k - 1])) || text[k - 1] == '.')) --k;
        const std::string word = Lower(text.substr(k, i - k));
        for (const char* a : kAbbrev) abbreviation |= word == a;
        abbreviation |= word.size() == 1 && std::isupper(static_cast<unsigned char>(text[k]));
      }
      if (at_end && pending && !abbreviation) {
        ++n;
        pending = false;
      }
      i = j;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      pending = true;
    }
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

CheckResult CheckInstruction(std::string_view id, const nlohmann::json& kwargs, std::string_view response) {
  const auto it = Checkers().find(id);
  if (it == Checkers().end()) return CheckResult::kSkipped;
  json kw = json::object();
  if (kwargs.is_object()) {
    for (auto [k, v] : kwargs.items()) {
      if (!v.is_null()) kw[k] = v;
    }
  }
  return it->second(kw, response) ? CheckResult::kFollowed : CheckResult::kNotFollowed;
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
    return out;
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
