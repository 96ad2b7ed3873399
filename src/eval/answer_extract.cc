#include "eval/answer_extract.h"

#include <cctype>

#include "core/error.h"

namespace entropix {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Finds `needle` case-insensitively, last occurrence; npos if absent.
size_t RFindNoCase(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (size_t i = hay.size() - needle.size() + 1; i-- > 0;) {
    bool match = true;
    for (size_t j = 0; j < needle.size() && match; ++j) match = Lower(hay[i + j]) == Lower(needle[j]);
    if (match) return i;
  }
  return std::string_view::npos;
}

// Scans one number starting at `i` (which must be at '-', '$', '.' or a
// digit). Returns the raw span length, or 0 if there is no number there.
size_t ScanNumber(std::string_view s, size_t i) {
  size_t j = i;
  auto at = [&](size_t k) { return k < s.size() ? s[k] : '\0'; };
  if (at(j) == '-' && at(j + 1) == '$') j += 2;
  else if (at(j) == '$' && at(j + 1) == '-') j += 2;
  else if (at(j) == '-' || at(j) == '$') j += 1;
  const size_t digits_start = j;
  while (IsDigit(at(j))) {
    ++j;
    // Thousands separator: a comma followed by exactly three digits.
    if (at(j) == ',' && IsDigit(at(j + 1)) && IsDigit(at(j + 2)) && IsDigit(at(j + 3)) && !IsDigit(at(j + 4))) j += 1;
  }
  const bool has_int = j > digits_start;
  if (at(j) == '.' && IsDigit(at(j + 1))) {
    ++j;
    while (IsDigit(at(j))) ++j;
  } else if (!has_int) {
    return 0;
  }
  return j - i;
}

// Length of the contents of a brace group whose '{' has just been consumed:
// up to the matching '}', or all of `s` when it is never closed.
size_t BoxedLength(std::string_view s) {
  int depth = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i;
  }
  return s.size();
}

}  // namespace

std::optional<std::string> NormalizeNumber(std::string_view text) {
  std::string out;
  bool negative = false, seen_digit = false, seen_dot = false;
  for (char c : text) {
    if (c == '$' || c == ',' || c == ' ') continue;
    if (c == '-' && out.empty() && !negative) {
      negative = true;
      continue;
    }
    if (c == '.' && !seen_dot) {
      seen_dot = true;
      out += c;
      continue;
    }
    if (!IsDigit(c)) return std::nullopt;
    seen_digit = true;
    out += c;
  }
  if (!seen_digit) return std::nullopt;
  if (seen_dot) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '0');
  // Leading zeros of the integer part ("007" -> "7").
  size_t lead = 0;
  while (lead + 1 < out.size() && out[lead] == '0' && out[lead + 1] != '.') ++lead;
  out.erase(0, lead);
  if (negative && out != "0") out.insert(out.begin(), '-');
  return out;
}

std::vector<std::string> FindNumbers(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const bool start = IsDigit(c) || c == '-' || c == '$' || (c == '.' && i + 1 < text.size() && IsDigit(text[i + 1]));
    // A digit glued to a preceding letter or digit is not a number start ("x2", "a1b").
    const bool glued = i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) != 0);
    if (start && !glued) {
      const size_t len = ScanNumber(text, i);
      if (len > 0) {
        if (auto n = NormalizeNumber(text.substr(i, len))) out.push_back(*n);
        i += len;
        continue;
      }
    }
    ++i;
  }
  return out;
}

std::optional<std::string> ExtractFinalNumber(std::string_view response) {
  for (std::string_view marker : {std::string_view("####"), std::string_view("\\boxed{"), std::string_view("answer is")}) {
    const size_t at = RFindNoCase(response, marker);
    if (at == std::string_view::npos) continue;
    std::string_view rest = response.substr(at + marker.size());
    // A box holds its answer: look only up to its closing brace (one level of
    // nesting, as in "\boxed{\text{18}}", is allowed).
    if (marker.back() == '{') rest = rest.substr(0, BoxedLength(rest));
    const auto nums = FindNumbers(rest);
    if (!nums.empty()) return nums.front();
  }
  const auto nums = FindNumbers(response);
  if (nums.empty()) return std::nullopt;
  return nums.back();
}

std::string Gsm8kReferenceNumber(std::string_view answer) {
  const size_t at = answer.rfind("####");
  if (at == std::string_view::npos) {
    throw Error(ErrorCode::kCorruptFile, "GSM8K answer without '#### N': is this GSM8K-format JSONL?");
  }
  const auto nums = FindNumbers(answer.substr(at + 4));
  if (nums.empty()) throw Error(ErrorCode::kCorruptFile, "GSM8K answer: no number after '####'");
  return nums.front();
}

std::string StripCalculatorAnnotations(std::string_view answer) {
  std::string out;
  size_t i = 0;
  while (i < answer.size()) {
    if (answer.compare(i, 2, "<<") == 0) {
      const size_t end = answer.find(">>", i + 2);
      if (end != std::string_view::npos) {
        i = end + 2;
        continue;
      }
    }
    out += answer[i++];
  }
  return out;
}

}  // namespace entropix
