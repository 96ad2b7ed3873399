#include "text/answer_extract.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace entropix {
namespace {

// A final answer follows its marker closely; looking further would only make
// hostile inputs (a megabyte of "answer is") quadratic.
constexpr size_t kMaxMarkerSpan = 1000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Every position of `needle` in `hay`, ignoring ASCII case.
std::vector<size_t> FindAllNoCase(std::string_view hay, std::string_view needle) {
  std::vector<size_t> out;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    bool match = true;
    for (size_t j = 0; j < needle.size() && match; ++j) match = Lower(hay[i + j]) == Lower(needle[j]);
    if (match) out.push_back(i);
  }
  return out;
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

// Whether a number may start at `i`: a digit, sign, '$' or ".5", not glued
// to a preceding letter or digit ("x2") nor an exponent or subscript
// ("cm^2", "x_1").
bool NumberStart(std::string_view s, size_t i) {
  const char c = s[i];
  const bool start = IsDigit(c) || c == '-' || c == '$' || (c == '.' && i + 1 < s.size() && IsDigit(s[i + 1]));
  const char prev = i > 0 ? s[i - 1] : ' ';
  return start && !IsAlnum(prev) && prev != '_' && prev != '^';
}

// ------------------------------------------------------------ values

struct Value {
  std::string text;  // canonical: "1234.5", "-3", "50/7"
  long double v = 0;
};

struct Found {
  Value value;
  size_t begin = 0, end = 0;  // the span it was read from
};

long double ToNumber(const std::string& normalised) { return std::strtold(normalised.c_str(), nullptr); }

// printf of one long double, whatever its length.
std::string Format(const char* format, long double v) {
  const int n = std::snprintf(nullptr, 0, format, v);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::snprintf(out.data(), out.size() + 1, format, v);
  return out;
}

// Decimal text of `v` when it has at most 6 decimal places, else nullopt.
std::optional<std::string> ShortDecimal(long double v) {
  const long double scaled = v * 1e6L;
  if (!std::isfinite(scaled) || std::fabs(scaled - std::round(scaled)) > std::max(1e-6L, 1e-15L * std::fabs(scaled))) {
    return std::nullopt;
  }
  return NormalizeNumber(Format("%.6Lf", v));
}

// `v` as decimal text, rounded to 10 places when it has no short form.
std::string DecimalText(long double v) {
  if (auto d = ShortDecimal(v)) return *d;
  return NormalizeNumber(Format("%.10Lf", v)).value_or("0");
}

// num/den as a Value: a short decimal when there is one ("0.75"), else the
// fraction as written ("50/7"). nullopt for a zero denominator.
std::optional<Value> Fraction(const std::string& num, const std::string& den) {
  const long double n = ToNumber(num), d = ToNumber(den);
  if (d == 0) return std::nullopt;
  const long double v = n / d;
  return Value{ShortDecimal(v).value_or(num + "/" + den), v};
}

// The braced group starting at s[i] == '{': its contents and the index past
// its '}'; nullopt when it is not closed within kMaxMarkerSpan.
std::optional<std::pair<std::string_view, size_t>> Braced(std::string_view s, size_t i) {
  if (i >= s.size() || s[i] != '{') return std::nullopt;
  int depth = 0;
  for (size_t j = i; j < s.size() && j - i <= kMaxMarkerSpan; ++j) {
    if (s[j] == '{') ++depth;
    if (s[j] == '}' && --depth == 0) return std::make_pair(s.substr(i + 1, j - i - 1), j + 1);
  }
  return std::nullopt;
}

// The number a brace group holds as a whole ("{12}", "{ 1.5 }").
std::optional<std::string> BracedNumber(std::string_view contents) {
  size_t a = 0, b = contents.size();
  while (a < b && IsSpace(contents[a])) ++a;
  while (b > a && IsSpace(contents[b - 1])) --b;
  const std::string_view t = contents.substr(a, b - a);
  if (t.empty() || ScanNumber(t, 0) != t.size()) return std::nullopt;
  return NormalizeNumber(t);
}

// "\frac{a}{b}" (also \dfrac, \tfrac) at `i`: the index past the command
// name's '{' position, or npos when there is none.
size_t FracCommand(std::string_view s, size_t i) {
  for (std::string_view cmd : {"\\frac", "\\dfrac", "\\tfrac"}) {
    if (s.substr(i, cmd.size()) == cmd) return i + cmd.size();
  }
  return std::string_view::npos;
}

// A LaTeX fraction whose command starts at `i`. *end is set past it when
// its braces close (also when it holds no number, so the caller can skip it).
std::optional<Value> LatexFraction(std::string_view s, size_t i, size_t* end) {
  *end = i + 1;
  const auto num = Braced(s, FracCommand(s, i));
  if (!num) return std::nullopt;
  const auto den = Braced(s, num->second);
  if (!den) return std::nullopt;
  *end = den->second;
  const auto n = BracedNumber(num->first), d = BracedNumber(den->first);
  if (!n || !d) return std::nullopt;
  return Fraction(*n, *d);
}

// The value at `i`, where NumberStart(s, i) holds: a number, "a/b", or a
// mixed number "2\frac{1}{2}".
std::optional<Found> NumberAt(std::string_view s, size_t i) {
  const size_t len = ScanNumber(s, i);
  if (len == 0) return std::nullopt;
  const auto text = NormalizeNumber(s.substr(i, len));
  if (!text) return std::nullopt;
  size_t end = i + len;
  // "3/4": a slash between two numbers with no space is a fraction.
  if (end + 1 < s.size() && s[end] == '/' && IsDigit(s[end + 1])) {
    const size_t dlen = ScanNumber(s, end + 1);
    if (auto f = Fraction(*text, *NormalizeNumber(s.substr(end + 1, dlen)))) return Found{*f, i, end + 1 + dlen};
  }
  // A mixed number: a whole number, at most one space, then \frac.
  const size_t frac_at = end < s.size() && s[end] == ' ' ? end + 1 : end;
  if (text->find('.') == std::string::npos && FracCommand(s, frac_at) != std::string_view::npos) {
    size_t frac_end = 0;
    if (auto f = LatexFraction(s, frac_at, &frac_end); f && f->v >= 0) {
      const long double whole = ToNumber(*text);
      const long double v = (*text)[0] == '-' ? whole - f->v : whole + f->v;
      return Found{Value{DecimalText(v), v}, i, frac_end};
    }
  }
  return Found{Value{*text, ToNumber(*text)}, i, end};
}

// The first value at or after `from`.
std::optional<Found> NextValue(std::string_view s, size_t from) {
  for (size_t i = from; i < s.size();) {
    const bool minus = s[i] == '-' && i + 1 < s.size() && FracCommand(s, i + 1) != std::string_view::npos;
    const size_t frac_at = minus ? i + 1 : i;
    if (s[i] == '\\' || minus) {
      if (FracCommand(s, frac_at) != std::string_view::npos) {
        size_t end = 0;
        if (auto f = LatexFraction(s, frac_at, &end)) {
          if (minus) f->v = -f->v, f->text = "-" + f->text;
          return Found{*f, i, end};
        }
        i = end;  // a fraction of non-numbers: none of its parts is a value
        continue;
      }
    }
    if (NumberStart(s, i)) {
      if (auto f = NumberAt(s, i)) return f;
    }
    ++i;
  }
  return std::nullopt;
}

// Whether an arithmetic operator follows `end` (so the marker states an
// expression such as "24 + B" rather than a number). A '-' counts only
// before a space, digit or '(' ("12-year-old" is a word), the others only
// before an operand.
bool OperatorFollows(std::string_view s, size_t end) {
  while (end < s.size() && s[end] == ' ') ++end;
  const std::string_view rest = s.substr(end);
  if (rest.empty()) return false;
  if (std::string_view("+*/^=").find(rest[0]) != std::string_view::npos) {
    // An operand must follow: "**18**" (bold) and "*18*." are not products.
    size_t k = 1;
    while (k < rest.size() && rest[k] == ' ') ++k;
    return k < rest.size() && (IsAlnum(rest[k]) || std::string_view("(\\$-.").find(rest[k]) != std::string_view::npos);
  }
  if (rest[0] == '-') return rest.size() == 1 || rest[1] == ' ' || IsDigit(rest[1]) || rest[1] == '(';
  for (std::string_view op : {"\\times", "\\cdot", "\\div", "\xC3\x97", "\xC3\xB7", "\xC2\xB7"}) {
    if (rest.substr(0, op.size()) == op) return true;
  }
  return false;
}

// The number a marker's text holds: its first value, unless an operator
// follows it, in which case the value after the last '=' ("2 \times 3 = 6"),
// if any. Its span is relative to `seg`.
std::optional<Found> SegmentValue(std::string_view seg) {
  const auto first = NextValue(seg, 0);
  if (!first) return std::nullopt;
  if (!OperatorFollows(seg, first->end)) return first;
  const size_t eq = seg.rfind('=');
  if (eq == std::string_view::npos || eq < first->end) return std::nullopt;
  const auto after = NextValue(seg, eq + 1);
  if (!after || OperatorFollows(seg, after->end)) return std::nullopt;
  return after;
}

// ------------------------------------------------------------ markers

// The text an "answer is" / "Final answer:" marker refers to: up to the end
// of its sentence on the first line that has any letter or digit (so
// "The answer is:\n\[\n18\n\]" reaches 18), and never into a \boxed (the
// box is a marker of its own).
std::string_view AnswerSentence(std::string_view rest) {
  rest = rest.substr(0, std::min(rest.size(), kMaxMarkerSpan));
  rest = rest.substr(0, rest.find("\\boxed"));
  size_t line_end = 0;
  for (size_t start = 0;; start = line_end + 1) {
    line_end = rest.find('\n', start);
    const std::string_view line = rest.substr(start, line_end - start);
    if (line_end == std::string_view::npos || std::any_of(line.begin(), line.end(), IsAlnum)) break;
  }
  rest = rest.substr(0, line_end);
  for (size_t k = 0; k < rest.size(); ++k) {
    if (rest[k] == '.' && (k + 1 == rest.size() || IsSpace(rest[k + 1]))) return rest.substr(0, k);
  }
  return rest;
}

struct MarkerHit {
  size_t pos;
  AnswerMarker kind;
  std::string_view segment;  // where its number must be
};

std::vector<MarkerHit> FindMarkers(std::string_view text) {
  std::vector<MarkerHit> hits;
  for (size_t pos = text.find("\\boxed{"); pos != std::string_view::npos; pos = text.find("\\boxed{", pos + 1)) {
    if (const auto box = Braced(text, pos + 6)) hits.push_back({pos, AnswerMarker::kBoxed, box->first});
  }
  for (size_t pos = text.find("####"); pos != std::string_view::npos; pos = text.find("####", pos + 4)) {
    const std::string_view rest = text.substr(pos + 4, kMaxMarkerSpan);
    hits.push_back({pos, AnswerMarker::kHashes, rest.substr(0, rest.find('\n'))});
  }
  for (size_t pos : FindAllNoCase(text, "answer is")) {
    const size_t after = pos + 9;
    if ((pos > 0 && IsAlpha(text[pos - 1])) || (after < text.size() && IsAlpha(text[after]))) continue;
    hits.push_back({pos, AnswerMarker::kAnswerIs, AnswerSentence(text.substr(after))});
  }
  for (size_t pos : FindAllNoCase(text, "final answer")) {
    size_t j = pos + 12;
    while (j < text.size() && (text[j] == ' ' || text[j] == '*')) ++j;
    if ((pos > 0 && IsAlpha(text[pos - 1])) || j >= text.size() || text[j] != ':') continue;
    hits.push_back({pos, AnswerMarker::kFinalAnswer, AnswerSentence(text.substr(j + 1))});
  }
  std::sort(hits.begin(), hits.end(), [](const MarkerHit& a, const MarkerHit& b) { return a.pos > b.pos; });
  return hits;
}

// LaTeX spellings of a minus sign and thousands separators, made plain:
// U+2212 -> '-', "1{,}234" and "1\,234" -> "1,234". from[k], to[k]: the
// response bytes [from, to) that output byte k came from, so that a span
// found in the plain text maps back to the response.
struct PlainText {
  std::string text;
  std::vector<size_t> from, to;
};

PlainText Plain(std::string_view text) {
  PlainText out;
  out.text.reserve(text.size());
  auto emit = [&](char c, size_t at, size_t len) {
    out.text += c;
    out.from.push_back(at);
    out.to.push_back(at + len);
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const bool after_digit = !out.text.empty() && IsDigit(out.text.back());
    if (text.substr(i, 3) == "\xE2\x88\x92") {
      emit('-', i, 3);
      i += 2;
    } else if (after_digit && (text.substr(i, 3) == "{,}") && i + 3 < text.size() && IsDigit(text[i + 3])) {
      emit(',', i, 3);
      i += 2;
    } else if (after_digit && text.substr(i, 2) == "\\," && i + 2 < text.size() && IsDigit(text[i + 2])) {
      emit(',', i, 2);
      i += 1;
    } else {
      emit(text[i], i, 1);
    }
  }
  return out;
}

// Sets the answer's span in the response from a span [b, e) of the plain text.
void SetSpan(const PlainText& plain, size_t b, size_t e, FinalAnswer* answer) {
  answer->begin = plain.from[b];
  answer->end = plain.to[e - 1];
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

std::vector<NumberSpan> FindNumberSpans(std::string_view text) {
  std::vector<NumberSpan> out;
  size_t i = 0;
  while (i < text.size()) {
    if (NumberStart(text, i)) {
      const size_t len = ScanNumber(text, i);
      if (len > 0) {
        if (auto n = NormalizeNumber(text.substr(i, len))) out.push_back({*n, i, i + len});
        i += len;
        continue;
      }
    }
    ++i;
  }
  return out;
}

std::vector<std::string> FindNumbers(std::string_view text) {
  std::vector<std::string> out;
  for (NumberSpan& n : FindNumberSpans(text)) out.push_back(std::move(n.value));
  return out;
}

const char* AnswerMarkerName(AnswerMarker marker) {
  switch (marker) {
    case AnswerMarker::kNone: return "none";
    case AnswerMarker::kBoxed: return "boxed";
    case AnswerMarker::kAnswerIs: return "answer-is";
    case AnswerMarker::kFinalAnswer: return "final-answer";
    case AnswerMarker::kHashes: return "hashes";
  }
  return "none";
}

FinalAnswer ExtractFinalAnswer(std::string_view response) {
  const PlainText plain = Plain(response);
  const std::string& text = plain.text;
  FinalAnswer answer;
  for (const MarkerHit& hit : FindMarkers(text)) {
    if (auto v = SegmentValue(hit.segment)) {
      answer.marker = hit.kind;
      answer.strict = v->value.text;
      answer.flexible = v->value.text;
      const size_t base = static_cast<size_t>(hit.segment.data() - text.data());
      SetSpan(plain, base + v->begin, base + v->end, &answer);
      return answer;
    }
  }
  for (auto f = NextValue(text, 0); f; f = NextValue(text, f->end)) {
    answer.flexible = f->value.text;
    SetSpan(plain, f->begin, f->end, &answer);
  }
  return answer;
}

std::optional<std::string> ExtractFinalNumber(std::string_view response) {
  return ExtractFinalAnswer(response).flexible;
}

bool SameNumber(std::string_view a, std::string_view b) {
  // "x" or "x/y" with plain decimal parts.
  auto value = [](std::string_view t) -> std::optional<long double> {
    const size_t slash = t.find('/');
    const auto n = NormalizeNumber(t.substr(0, slash));
    if (!n) return std::nullopt;
    if (slash == std::string_view::npos) return ToNumber(*n);
    const auto d = NormalizeNumber(t.substr(slash + 1));
    if (!d || ToNumber(*d) == 0) return std::nullopt;
    return ToNumber(*n) / ToNumber(*d);
  };
  const auto x = value(a), y = value(b);
  return x && y && std::fabs(*x - *y) <= 1e-9L * std::max({1.0L, std::fabs(*x), std::fabs(*y)});
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
